"""The fresh evaluation set is right: its date phrases are the request's own words, none
of its requests is a dev-set request, and it is varied. That every reference is valid
canonical REM, that its dates (from the independent calendar) agree with the resolver
and that the committed file is what eval/make_devset.py writes are checked, for both
sets, in tests/test_eval_devset.py."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from rem_agent.evaluation.dataset import load_cases

ROOT = Path(__file__).resolve().parent.parent
FRESH = ROOT / "eval" / "fresh.jsonl"
DEVSET = ROOT / "eval" / "devset.jsonl"
CASES = load_cases(FRESH)


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_date_phrase_is_in_its_request(case) -> None:  # type: ignore[no-untyped-def]
    for note in case.dates:
        assert note.phrase in case.nl


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
