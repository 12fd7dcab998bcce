"""End to end on the real bundled model (Qwen2.5-Coder-0.5B): text in, valid REM out.

The requests are not in the few-shot library, so the model has to generalise.
Dates must equal the resolver's exactly: the grammar allows no other.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest

from rem_agent.agent import RemAgent
from rem_agent.dates import resolve_dates
from rem_agent.rem import Profile, check_rem

pytestmark = [pytest.mark.model, pytest.mark.slow]

NOW = datetime(2026, 11, 26, 10, 30)

CASES = [
    ("kafka notes from last week", "SEARCH"),
    ("who is Mike Ross", "LOOKUP"),
    ("meetings yesterday", "SELECT"),
    ("who reports to Dana?", "TRAVERSE"),
    ("pdfs from march", "SELECT"),
    ("anything like kuberntes", "FUZZY"),
]


@pytest.fixture(scope="module")
def agent() -> RemAgent:
    # The base model with its few-shot prompt (the shipped adapter: test_adapter_model.py).
    agent = RemAgent(adapter=False)
    agent.load()
    return agent


@pytest.mark.parametrize(("request_text", "kind"), CASES)
def test_real_model_gives_valid_rem_with_resolved_dates(
    agent: RemAgent, request_text: str, kind: str
) -> None:
    result = agent.translate(request_text, now=NOW)
    assert result.valid, result.error
    assert result.statement == kind, result.query
    assert result.engine in ("llamacpp", "mlx") and result.model == "qwen2.5-coder-0.5b"
    checked = check_rem(result.query or "")
    assert checked.valid and checked.canonical == result.query
    expected = resolve_dates(request_text, now=NOW)
    assert [(d.start, d.end) for d in result.dates] == [
        (r.start_literal(), r.end_literal()) for r in expected.ranges
    ]
    for r in expected.ranges:
        for bound in (r.start_literal(), r.end_literal()):
            if bound:
                assert f"'{bound}'" in (result.query or "")
    assert "<|im" not in (result.query or "")


def test_p8fs_profile_on_the_real_model(agent: RemAgent) -> None:
    result = agent.translate("kafka notes from last week", now=NOW, profile=Profile.P8FS)
    assert result.valid and result.statement in ("SEARCH", "SELECT")
    assert check_rem(result.query or "", profile=Profile.P8FS).valid
    if result.statement == "SEARCH":
        assert any("not expressed" in w for w in result.warnings)


def test_second_request_reuses_the_prompt_prefix(agent: RemAgent) -> None:
    agent.translate("notes about rust", now=NOW)
    result = agent.translate("notes about golang", now=NOW)
    assert (
        result.timings.decode.cached_prompt_tokens > 200
    )  # the system prompt is not prefilled again


def test_cli_translate_json_on_the_real_model() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rem_agent",
            "translate",
            "notes about kafka from last week",
            "--now",
            "2026-11-26T10:30:00",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["valid"] is True and out["error"] is None
    assert out["query"].startswith('SEARCH "kafka')
    assert out["query"].endswith("WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'")
    assert out["dates"] == [{"text": "from last week", "start": "2026-11-16", "end": "2026-11-23"}]
    assert "engine llamacpp" in proc.stderr or "engine mlx" in proc.stderr


def test_cli_translate_stdin_batch_on_the_real_model() -> None:
    """Every line answered in place, the blank one too (an error line, exit 1)."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "rem_agent",
            "translate",
            "-",
            "--json",
            "--now",
            "2026-11-26T10:30:00",
        ],
        input="who is Sarah Chen\n\nSELECT * FROM files\r\nmeetings yesterday",
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["line"] for line in lines] == [1, 2, 3, 4]
    assert [line["valid"] for line in lines] == [True, False, True, True]
    assert lines[0]["query"] == 'LOOKUP "Sarah Chen"'
    assert lines[1] == {
        "line": 2,
        "query": None,
        "valid": False,
        "error": "the request is empty: type what you are looking for",
    }
    assert lines[2]["query"] == "SELECT * FROM files" and lines[2]["source"] == "rem"
    assert lines[3]["source"] == "model"
