"""Validity is guaranteed, so prove it: random-weight models decode under the REM grammar.

A tiny qwen2 with random weights and the real Qwen2.5 tokenizer, sampled at
temperature 1 with a different seed per request, emits wildly varied text:
long unicode strings, odd edge names, every statement kind, AND chains that never
end. Whatever it emits under the grammar built for the request (profile, catalog,
resolved dates) must parse, validate and use only the resolved dates, and it must
finish within a small token budget: 80 tokens for 200 requests, most of which need
a time range (the shortest such answer, with zone offsets, is about 70 tokens), and
48 tokens for requests without a time. Both engines.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fakes import SamplingEngine

from rem_agent.agent import RemAgent
from rem_agent.dates import resolve_dates
from rem_agent.rem import Profile, check_rem

pytestmark = pytest.mark.model  # the real tokenizer comes from the bundled GGUF

TOPICS = [
    "kafka",
    "who is sarah chen",
    "meetings",
    "pdf uploads",
    "who reports to sally",
    "diary",
    "moments tagged work",
    "sessions rated 5",
    "anything like transfomer",
    "x",
]
TIMES = [
    "",
    " from last week",
    " yesterday afternoon",
    " since monday",
    " in Q3 2025",
    " before 2025",
    " past 24 hours",
    " between march and may 2025",
]
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"]
NOW = datetime(2026, 11, 26, 10, 30)


def requests(n: int = 200, times: list[str] = TIMES) -> list[tuple[str, Profile, str]]:
    combos = itertools.product(TOPICS, times)
    out = []
    for i, (topic, when) in enumerate(itertools.islice(itertools.cycle(combos), n)):
        out.append((topic + when, (Profile.REM, Profile.P8FS)[i % 2], ZONES[i % len(ZONES)]))
    return out


def run_all(engine: Any, budget: int, cases: list[tuple[str, Profile, str]]) -> Counter[str]:
    agent = RemAgent(
        engine_instance=SamplingEngine(engine), examples=0, max_tokens=budget, cache_size=0
    )
    kinds: Counter[str] = Counter()
    ended = 0
    for text, profile, tz in cases:
        result = agent.translate(text, now=NOW, profile=profile, tz=tz)
        assert result.valid, (text, profile, tz, result.error)
        # Two decodes when the first answer was a SEARCH without a topic: each in budget.
        assert result.timings.decode.generated_tokens <= 2 * budget
        ended += any("token limit" in w for w in result.warnings)
        checked = check_rem(result.query or "", profile=profile)
        assert checked.valid and checked.canonical == result.query
        allowed = {
            b
            for r in resolve_dates(text, now=NOW, tz=tz).ranges
            for b in (r.start_literal(), r.end_literal())
            if b
        }
        used = set(re.findall(r"'(\d{4}-\d{2}-\d{2}(?:T[^']*)?)'", result.query or ""))
        assert used <= allowed, (text, used, allowed)
        kinds[result.statement or ""] += 1
    assert ended > 0  # the budget really was hit, and the answers still ended valid
    return kinds


def run_budgets(engine: Any) -> Counter[str]:
    kinds = run_all(engine, 80, requests(200))
    run_all(engine, 48, requests(100, times=[""]))
    return kinds


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path) -> Path:
    from rem_agent.models import write_tiny_gguf

    return write_tiny_gguf(
        tmp_path_factory.mktemp("tiny") / "tiny.gguf", tokenizer_from=bundled_gguf
    )


def test_llamacpp_random_model_always_emits_valid_rem(tiny_gguf: Path) -> None:
    pytest.importorskip("llama_cpp")
    from rem_agent.engines.llamacpp import LlamaCppEngine

    kinds = run_budgets(LlamaCppEngine(tiny_gguf, model_name="tiny"))
    assert len(kinds) >= 4, kinds  # the sample really is varied


def test_mlx_random_model_always_emits_valid_rem(
    tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path
) -> None:
    from rem_agent.engines.mlx import MlxEngine
    from rem_agent.models import write_tiny_mlx_model

    path = write_tiny_mlx_model(tmp_path_factory.mktemp("mlx"), tokenizer_from=bundled_gguf)
    kinds = run_budgets(MlxEngine(path, model_name="tiny"))
    assert len(kinds) >= 4, kinds
