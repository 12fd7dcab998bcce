"""The dev set is right: it is big and varied enough and does not leak into the few-shot
library. For it and the fresh set (tests/test_eval_fresh.py has the rest): every
reference is valid canonical REM in its profile, the dates agree with the resolver, and
the committed file is exactly what eval/make_devset.py writes from its case file; the
generator refuses a malformed case file."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from rem_agent.dates import resolve_dates
from rem_agent.evaluation.dataset import load_cases
from rem_agent.rem import Profile, check_rem
from rem_agent.train.calendar import literals
from rem_agent.translate.prompts import PromptLibrary

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT / "eval" / "devset.jsonl"
CASES = load_cases(DEVSET)
BOTH = [*CASES, *load_cases(ROOT / "eval" / "fresh.jsonl")]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_devset", ROOT / "eval" / "make_devset.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_devset"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", BOTH, ids=lambda c: c.id)
def test_every_reference_is_valid_canonical_rem_in_its_profile(case) -> None:  # type: ignore[no-untyped-def]
    for query in case.references:
        result = check_rem(query, profile=case.profile)
        assert result.valid, (query, [e.message for e in result.errors])
        assert result.canonical == query


@pytest.mark.parametrize("case", BOTH, ids=lambda c: c.id)
def test_dates_agree_with_the_resolver(case) -> None:  # type: ignore[no-untyped-def]
    resolution = resolve_dates(case.nl, now=datetime.fromisoformat(case.now), tz=case.tz)
    resolved = [(r.start_literal(), r.end_literal()) for r in resolution.ranges]
    assert resolved == [(d.start, d.end) for d in case.dates], case.nl
    assert not resolution.unresolved, resolution.unresolved
    # References use only the literals of the request's own dates (p8fs SEARCH may drop them).
    allowed = {b for pair in resolved for b in pair if b}
    for query in case.references:
        assert set(re.findall(r"'(\d{4}-\d{2}-\d{2}[^']*)'", query)) <= allowed, query


@pytest.mark.parametrize("name", ["devset", "fresh"])
def test_the_committed_file_is_what_the_generator_writes(name: str) -> None:
    gen = _generator()
    rows = gen.build(ROOT / "eval" / f"{name}.cases.yaml", gen.SETS[name])
    assert (ROOT / "eval" / f"{name}.jsonl").read_bytes() == gen.dump(rows).encode("utf-8")


def test_the_generator_fills_each_date_phrase_on_its_field(tmp_path: Path) -> None:
    cases = tmp_path / "x.cases.yaml"
    cases.write_text(
        "search_time:\n"
        "  - nl: kafka notes from last week, edited yesterday\n"
        '    expected: SEARCH "kafka" IN resources WHERE {{created_at}} AND {{updated_at:1}}\n'
        "    dates: [last week, yesterday]\n"
        "    now: 2026-11-26T10:30:00\n",
        encoding="utf-8",
    )
    [row] = _generator().build(cases, "x-")
    assert row["id"] == "x-search_time-001"
    assert row["expected"] == (
        "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16' AND created_at < "
        "'2026-11-23' AND updated_at >= '2026-11-25' AND updated_at < '2026-11-26'"
    )
    assert row["dates"][1] == {"phrase": "yesterday", "start": "2026-11-25", "end": "2026-11-26"}


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('lookup:\n  - nl: bob\n    expected: LOOKUP "Bob"\n    acept: []\n', "a case is"),
        (
            'lookup:\n  - nl: bob\n    expected: LOOKUP "Bob"\n    accept: LOOKUP "bob"\n',
            "a case is",
        ),
        (
            'lookup:\n  - nl: bob\n    expected: LOOKUP "Bob"\nlookup:\n  - nl: al\n    expected: LOOKUP "Al"\n',
            "repeated key",
        ),
        ("lookup:\n  - nl: bob\n    expected: LOOKUP Bob\n", "not valid rem REM"),
        ('lookup:\n  - nl: bob\n    expected: LOOKUP  "Bob"\n', "not canonical"),
        (
            'lookup:\n  - nl: bob\n    expected: LOOKUP "Bob"\n  - nl: Bob\n    expected: LOOKUP "Bob"\n',
            "twice",
        ),
    ],
)
def test_the_generator_refuses_a_malformed_case_file(
    tmp_path: Path, text: str, complaint: str
) -> None:
    cases = tmp_path / "x.cases.yaml"
    cases.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit, match=complaint):
        _generator().build(cases)


def test_independent_dates_match_rem_md_worked_examples() -> None:
    now = "2026-11-26T10:30:00"
    table = {
        "last week": ("2026-11-16", "2026-11-23"),
        "past 3 days": ("2026-11-24", "2026-11-27"),
        "2 weeks ago": ("2026-11-09", "2026-11-16"),
        "last thursday": ("2026-11-19", "2026-11-20"),
        "in december": ("2025-12-01", "2026-01-01"),
        "since march": ("2026-03-01", None),
        "before 2025": (None, "2025-01-01"),
        "after march 2025": ("2025-04-01", None),
        "q4 2024": ("2024-10-01", "2025-01-01"),
        "past 24 hours": ("2026-11-25T10:30:00", "2026-11-26T10:30:00"),
        "yesterday afternoon": ("2026-11-25T12:00:00", "2026-11-25T18:00:00"),
    }
    for phrase, bounds in table.items():
        assert literals(phrase, now, "UTC") == bounds, phrase
    assert literals("past month", "2028-02-29T12:00:00", "UTC") == ("2028-02-01", "2028-03-01")
    assert literals("last week", "2026-11-26T10:30:00", "America/New_York") == (
        "2026-11-16T00:00:00-05:00",
        "2026-11-23T00:00:00-05:00",
    )


def test_coverage() -> None:
    assert len(CASES) >= 250
    assert len({c.id for c in CASES}) == len(CASES)
    kinds = Counter(check_rem(c.expected, profile=c.profile).statement for c in CASES)
    assert set(kinds) == {"LOOKUP", "SEARCH", "FUZZY", "TRAVERSE", "SELECT"}
    assert min(kinds.values()) >= 10
    assert sum(c.profile is Profile.P8FS for c in CASES) >= 20
    assert len({c.tz for c in CASES}) >= 4
    assert len({c.now for c in CASES}) >= 4
    assert sum(bool(c.dates) for c in CASES) >= 100
    named = ("updated_at", "upload_timestamp", "session_completed_at")
    assert sum(any(f in c.expected for f in named) for c in CASES) >= 10
    assert any("ORDER BY" in c.expected for c in CASES)
    assert any(re.match(r'LOOKUP "[^"]+", "', c.expected) for c in CASES)
    assert any(re.match(r"TRAVERSE [a-z]", c.expected) for c in CASES)


def test_no_dev_request_is_a_library_example() -> None:
    library = {e.request.strip().lower() for e in PromptLibrary().examples}
    leaked = [c.nl for c in CASES if c.nl.strip().lower() in library]
    assert leaked == []
