"""Hostile input: long runs of digits, spaces and month names must scan in linear time."""

from __future__ import annotations

import random
import time
from datetime import datetime

from rem_agent.dates import recognise, resolve_dates
from rem_agent.dates.spelling import suggest
from rem_agent.dates.tokens import tokenize

NOW = datetime(2026, 11, 26, 10, 30)


def hostile(length: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    pieces = [
        "1",
        "12",
        "2025",
        "3rd",
        " ",
        "  ",
        "Nov",
        "may",
        "March",
        "-",
        "/",
        ".",
        ",",
        "Q3",
        "to",
    ]
    out: list[str] = []
    size = 0
    while size < length:
        piece = rng.choice(pieces)
        out.append(piece)
        size += len(piece)
    return "".join(out)[:length]


def unknown_words(length: int, seed: int = 11) -> str:
    """Distinct made-up words sharing first letters with date words, so each is looked up."""
    rng = random.Random(seed)
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice("tmwfsjlydn") + "".join(
            rng.choice("aeiouyrdnst") for _ in range(rng.randint(2, 9))
        )
        words.append(word)
        size += len(word) + 1
    return " ".join(words)[:length]


def timed(text: str) -> float:
    start = time.perf_counter()
    resolve_dates(text, now=NOW)
    return time.perf_counter() - start


def test_twenty_thousand_hostile_characters_finish_quickly() -> None:
    for text in (
        hostile(20_000),
        "1" * 20_000,
        "1 " * 10_000,
        "Nov " * 5_000,
        "2025-11-" * 2_500,
        "1/" * 10_000,
        "from " * 4_000,
        ("between March and " * 1_200)[:20_000],
        ("lst wek tommorow " * 1_200)[:20_000],  # misspellings: each word is respelt
        unknown_words(20_000),  # each word new: no cached spelling answer to reuse
    ):
        assert len(text) >= 19_999
        assert timed(text) < 5.0


def test_time_grows_linearly() -> None:
    # 8x the input may cost about 8x the time; catastrophic backtracking would be far worse.
    small, large = hostile(2_500), hostile(20_000)
    timed(small)  # warm up
    t_small = min(timed(small) for _ in range(3))
    t_large = min(timed(large) for _ in range(3))
    assert t_large < 8 * t_small * 4 + 0.05


def test_spelling_correction_grows_linearly() -> None:
    def uncached(text: str) -> float:
        suggest.cache_clear()  # time the lookups, not the cache
        return timed(text)

    small, large = unknown_words(2_500, seed=1), unknown_words(20_000, seed=2)
    uncached(small)
    t_small = min(uncached(small) for _ in range(3))
    t_large = min(uncached(large) for _ in range(3))
    assert t_large < 8 * t_small * 4 + 0.05


def test_huge_numbers_are_not_converted() -> None:
    # int() of a 20,000-digit string is refused by Python; it must never be attempted.
    tokens = tokenize("9" * 20_000 + " days ago")
    assert tokens[0].value is None
    assert recognise("9" * 20_000 + " days ago") == []
