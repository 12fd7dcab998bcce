"""Sizes and counts read by code (`rem_agent.quantities`): table cases and properties, in
the style of the dates tests."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rem_agent.dates import resolve_dates
from rem_agent.quantities import number_value, read_quantities
from rem_agent.text import NUMBER_WORDS, TENS


def read(text: str) -> list[tuple[str, str, int]]:
    found = read_quantities(text, skip=resolve_dates(text).spans).found
    return [(q.kind, q.text, q.value) for q in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("files over 30mb", [("size", "30mb", 30_000_000)]),
        ("pdfs above 20 mb", [("size", "20 mb", 20_000_000)]),
        ("uploads under 500k", [("size", "500k", 500_000)]),
        ("1.5 GB or more", [("size", "1.5 GB", 1_500_000_000)]),
        ("bigger than 2 megs", [("size", "2 megs", 2_000_000)]),
        ("files over twenty megabytes", [("size", "twenty megabytes", 20_000_000)]),
        ("files of 3 GiB", [("size", "3 GiB", 3 * 2**30)]),  # binary only when said so
        ("latest five notes", [("count", "latest five", 5)]),
        ("a dozen most recent conversations", [("count", "a dozen most recent", 12)]),
        ("top ten docs on kafka", [("count", "top ten", 10)]),
        ("my 5 most recent uploads", [("count", "5 most recent", 5)]),
        ("the most recent session", [("count", "the most recent session", 1)]),
        ("10 biggest files since monday", [("count", "10 biggest", 10)]),
        ("the 3 latest uploads over 1gb", [("count", "3 latest", 3), ("size", "1gb", 10**9)]),
        # a range: the unit after the second number is the first one's too
        ("files in the 5-10 mb range", [("size", "5", 5 * 10**6), ("size", "10 mb", 10**7)]),
        ("between 100 and 200 mb", [("size", "100", 10**8), ("size", "200 mb", 2 * 10**8)]),
        ("1 to 2 gb files", [("size", "1", 10**9), ("size", "2 gb", 2 * 10**9)]),
    ],
)
def test_quantities_are_read(text: str, expected: list[tuple[str, str, int]]) -> None:
    assert read(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "notes from the last 3 days",  # a date, not a count
        "meetings in the past 2 weeks",
        "5 m away from the office",  # a bare letter is a unit only when it touches the number
        "5-10 m away",
        "the latest notes",  # plural: no count of one
        "kafka notes",
        "q3 planning",
    ],
)
def test_what_is_not_a_quantity_is_not_read(text: str) -> None:
    assert read(text) == []


UNITS = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "k": 10**3, "megabytes": 10**6, "gigs": 10**9}


# Four digits can read as a year ("over 1900gb": the date resolver takes it): up to three.
@given(st.integers(1, 999), st.sampled_from(sorted(UNITS)), st.booleans())
def test_a_size_is_its_number_times_its_decimal_unit(n: int, unit: str, spaced: bool) -> None:
    text = f"files over {n}{' ' if spaced and len(unit) > 1 else ''}{unit}"
    [(kind, _, value)] = read(text)
    assert (kind, value) == ("size", n * UNITS[unit])


@given(st.integers(1, 99))
def test_spelled_numbers_read_as_their_digits(n: int) -> None:
    words = {v: k for k, v in NUMBER_WORDS.items()} | {v: k for k, v in TENS.items()}
    spelled = words.get(n) or f"{words[n - n % 10]} {words[n % 10]}"
    assert number_value(spelled) == n
    assert read(f"latest {spelled} notes") == [("count", f"latest {spelled}", n)]
    assert read(f"latest {n} notes") == [("count", f"latest {n}", n)]


@given(st.text(alphabet=st.sampled_from("ab 0123456789.kmgb"), max_size=40))
def test_quantities_are_positive_whole_and_apart(text: str) -> None:
    found = read_quantities(text).found
    spans = [q.span for q in found]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    for q in found:
        assert q.value >= 1 and isinstance(q.value, int)
        assert text[q.span[0] : q.span[1]] == q.text
