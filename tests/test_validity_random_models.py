"""Validity is guaranteed, so prove it: random-weight models decode under the REM grammar.

A tiny qwen2 with random weights and the real Qwen2.5 tokenizer, sampled at
temperature 1 with a different seed per request, emits wildly varied text:
long unicode strings, odd edge names, every statement kind. Whatever it emits
under the grammar built for the request (profile, catalog, resolved dates) must
parse, validate and use only the resolved dates. Both engines, 100 requests each.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from rem_agent.agent import RemAgent
from rem_agent.dates import resolve_dates
from rem_agent.engines.base import Generation
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


def requests() -> list[tuple[str, Profile, str]]:
    combos = itertools.product(TOPICS, TIMES)
    out = []
    for i, (topic, when) in enumerate(itertools.islice(itertools.cycle(combos), 100)):
        out.append((topic + when, (Profile.REM, Profile.P8FS)[i % 2], ZONES[i % len(ZONES)]))
    return out


class Sampling:
    """Wraps a real engine: same decoding, but sampled with a fresh seed per call."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.model_name, self.seed = inner, inner.name, "tiny-random", 0

    def load(self, progress: Any = None) -> None:
        self.inner.load(progress)

    def generate(self, messages: Any, **kwargs: Any) -> Generation:
        self.seed += 1
        return self.inner.generate(messages, temperature=1.0, seed=self.seed, **kwargs)


def run_100(engine: Any) -> Counter[str]:
    agent = RemAgent(engine_instance=Sampling(engine), examples=0, max_tokens=512, cache_size=0)
    kinds: Counter[str] = Counter()
    for text, profile, tz in requests():
        result = agent.translate(text, now=NOW, profile=profile, tz=tz)
        assert result.valid, (text, profile, tz, result.error)
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

    kinds = run_100(LlamaCppEngine(tiny_gguf, model_name="tiny"))
    assert len(kinds) >= 4, kinds  # the sample really is varied


def test_mlx_random_model_always_emits_valid_rem(
    tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path
) -> None:
    from rem_agent.engines.mlx import MlxEngine
    from rem_agent.models import write_tiny_mlx_model

    path = write_tiny_mlx_model(tmp_path_factory.mktemp("mlx"), tokenizer_from=bundled_gguf)
    kinds = run_100(MlxEngine(path, model_name="tiny"))
    assert len(kinds) >= 4, kinds
