"""The shipped REM adapter end to end on the real bundled 0.5B (llama.cpp): it is the
default, it answers with the compact prompt, and its answers are valid, of the right
kind, and carry exactly the resolver's dates. The requests are new phrasings: in neither
the dev set nor the training families' templates."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest

from rem_agent.agent import RemAgent
from rem_agent.dates import resolve_dates
from rem_agent.models.adapters import default_adapter
from rem_agent.rem import Profile, check_rem

pytestmark = [pytest.mark.model, pytest.mark.slow]

NOW = datetime(2026, 11, 26, 10, 30)
CASES = [
    ("postgres replication notes from last month", "SEARCH", Profile.REM),
    ("who is Jana Novotná", "LOOKUP", Profile.REM),
    ("Ilse, Tomasz and Yusuf", "LOOKUP", Profile.REM),
    ("conversations yesterday", "SELECT", Profile.REM),
    ("who does Ingrid manage", "TRAVERSE", Profile.REM),
    ("something like elasticsaerch", "FUZZY", Profile.REM),
    ("my 4 latest uploads", "SELECT", Profile.REM),
    ("docs about the vendor audit this week", "SEARCH", Profile.P8FS),
]


@pytest.fixture(scope="module")
def agent() -> RemAgent:
    agent = RemAgent()  # the default: the shipped adapter for the bundled 0.5B
    agent.load()
    return agent


def test_the_shipped_adapter_is_the_default(agent: RemAgent) -> None:
    shipped = default_adapter("qwen2.5-coder-0.5b")
    assert shipped is not None
    assert agent.adapter_name == shipped.name
    assert agent.prompt_style == "compact"


@pytest.mark.parametrize(("text", "kind", "profile"), CASES)
def test_adapter_answers_are_valid_of_the_right_kind_with_the_resolvers_dates(
    agent: RemAgent, text: str, kind: str, profile: Profile
) -> None:
    result = agent.translate(text, now=NOW, profile=profile, explain=True)
    assert result.valid, result.error
    assert result.statement == kind, result.query
    assert result.adapter == agent.adapter_name
    assert result.explain is not None and result.explain.examples == []
    checked = check_rem(result.query or "", profile=profile)
    assert checked.valid and checked.canonical == result.query
    resolution = resolve_dates(text, now=NOW)
    literals = {b for r in resolution.ranges for b in (r.start_literal(), r.end_literal()) if b}
    used = {w.strip("'") for w in (result.query or "").split() if w.startswith("'20")}
    assert used <= literals
    if profile is Profile.REM and resolution.ranges:
        assert used, f"the time is filtered on: {result.query}"


def test_only_the_request_is_prefilled_after_the_first(agent: RemAgent) -> None:
    """The compact system message stays in the KV cache across requests."""
    agent.translate("kafka notes", now=NOW)
    second = agent.translate("notes about the redis cluster", now=NOW)
    assert second.timings.decode.cached_prompt_tokens >= 10
    assert second.timings.decode.prefill_tokens < 40


def test_cli_json_names_the_adapter_and_no_adapter_turns_it_off() -> None:
    def run(*extra: str) -> dict[str, object]:
        proc = subprocess.run(
            [sys.executable, "-m", "rem_agent", "translate", "who is Sarah Chen", "--json", *extra],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    adapted = run()
    assert adapted["adapter"] == "qwen2.5-coder-0.5b-rem"
    assert adapted["query"] == 'LOOKUP "Sarah Chen"'
    base = run("--no-adapter")
    assert base["adapter"] is None
    assert base["valid"] is True
