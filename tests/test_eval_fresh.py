"""The fresh evaluation set is right: it is what its script writes, every reference is
valid canonical REM in its profile, its dates (from the independent calendar) agree
with the resolver, and none of its requests is a dev-set request."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from rem_agent.dates import resolve_dates
from rem_agent.eval.dataset import load_cases
from rem_agent.rem import check_rem

ROOT = Path(__file__).resolve().parent.parent
FRESH = ROOT / "eval" / "fresh.jsonl"
DEVSET = ROOT / "eval" / "devset.jsonl"
CASES = load_cases(FRESH)


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_fresh", ROOT / "eval" / "make_fresh.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_fresh"] = module
    spec.loader.exec_module(module)
    return module


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def test_the_committed_file_is_what_the_script_writes() -> None:
    rows = [json.loads(line) for line in FRESH.read_text(encoding="utf-8").splitlines()]
    assert rows == _generator().build()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_reference_is_valid_canonical_rem_in_its_profile(case) -> None:  # type: ignore[no-untyped-def]
    for query in case.references:
        result = check_rem(query, profile=case.profile)
        assert result.valid, (query, [e.message for e in result.errors])
        assert result.canonical == query


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_dates_agree_with_the_resolver(case) -> None:  # type: ignore[no-untyped-def]
    resolution = resolve_dates(case.nl, now=datetime.fromisoformat(case.now), tz=case.tz)
    resolved = [(r.start_literal(), r.end_literal()) for r in resolution.ranges]
    assert resolved == [(d.start, d.end) for d in case.dates], case.nl
    assert not resolution.unresolved, resolution.unresolved
    for note in case.dates:
        assert note.phrase in case.nl
    # References use only the literals of the request's own dates.
    allowed = {b for pair in resolved for b in pair if b}
    for query in case.references:
        assert set(re.findall(r"'(\d{4}-\d{2}-\d{2}[^']*)'", query)) <= allowed, query


def test_no_request_is_a_dev_set_request() -> None:
    dev = {_normalise(c.nl) for c in load_cases(DEVSET)}
    overlap = [c.nl for c in CASES if _normalise(c.nl) in dev]
    assert not overlap


def test_ids_are_unique_and_the_set_is_varied() -> None:
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({(_normalise(c.nl), c.profile) for c in CASES}) == len(CASES)
    for case in CASES:
        assert case.id.startswith(f"fresh-{case.category}-")
    categories = Counter(c.category for c in CASES)
    assert set(categories) == {
        "lookup",
        "lookup_multi",
        "search",
        "search_time",
        "named_time",
        "select_type",
        "select_tag",
        "select_category",
        "select_order",
        "select_time",
        "traverse",
        "fuzzy",
        "p8fs",
        "tz",
    }
    assert min(categories.values()) >= 5
    assert len({c.now for c in CASES}) >= 4
    assert len({c.tz for c in CASES}) >= 4
    assert sum(c.names_time for c in CASES) >= 40
