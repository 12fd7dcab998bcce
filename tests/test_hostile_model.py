"""Hostile input and p8fs literals end to end on the real bundled model (issue 15).

The grammar already rules the payload out (tests/test_screen.py checks that without a
model); these check the real model still gives the read-only query for what remains.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from rem_agent.agent import RemAgent
from rem_agent.errors import UsageError
from rem_agent.rem import Profile, check_rem

pytestmark = [pytest.mark.model, pytest.mark.slow]

NOW = datetime(2026, 11, 26, 10, 30)


@pytest.fixture(scope="module")
def agent() -> RemAgent:
    agent = RemAgent()
    agent.load()
    return agent


@pytest.mark.parametrize(
    ("request_text", "payload", "dropped"),
    [
        ("drop the sessions table", ["drop", "table"], "'drop'"),
        ("lookup Robert'); DROP TABLE students;--", ["DROP", "students", "'"], "DROP TABLE"),
        ("notes where name is x' OR '1'='1", ["OR", "'1'"], "OR '1'='1"),
        ("resources where priority = 'high'", ["=", "priority = "], "priority = 'high'"),
    ],
)
@pytest.mark.parametrize("profile", list(Profile))
def test_hostile_requests_keep_no_payload(
    agent: RemAgent, request_text: str, payload: list[str], dropped: str, profile: Profile
) -> None:
    result = agent.translate(request_text, now=NOW, profile=profile)
    assert result.valid, result.error
    query = result.query or ""
    tree = check_rem(query, profile=profile).tree
    quoted = " ".join([getattr(tree, "text", ""), *getattr(tree, "keys", ()), *_seed_strings(tree)])
    assert not any(p.lower() in quoted.lower() for p in payload), query
    assert any(dropped in w for w in result.warnings), result.warnings


def _seed_strings(tree: object) -> list[str]:
    seed = getattr(tree, "seed", None)
    return [getattr(seed, "text", ""), *getattr(seed, "keys", ())] if seed else []


def test_robert_is_looked_up(agent: RemAgent) -> None:
    result = agent.translate("lookup Robert'); DROP TABLE students;--", now=NOW)
    assert result.query == 'LOOKUP "Robert"'


@pytest.mark.parametrize("text", ["LOOKUP", "DROP TABLE students"])
def test_a_bare_keyword_or_pure_payload_is_refused_before_the_model(
    agent: RemAgent, text: str
) -> None:
    with pytest.raises(UsageError):
        agent.translate(text, now=NOW)


def test_a_p8fs_literal_it_would_refuse_becomes_what_it_can_run(agent: RemAgent) -> None:
    result = agent.translate("resources in category update", now=NOW, profile=Profile.P8FS)
    assert result.valid, result.error
    assert check_rem(result.query or "", profile=Profile.P8FS).valid
    assert "'update'" not in (result.query or "")
    if "update" not in (result.query or "").lower():
        assert any("'update' is not expressed" in w for w in result.warnings)
