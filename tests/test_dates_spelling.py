"""Misspelt date words: what is corrected, what never is, and that correction changes
nothing that was already read right."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from fakes import ScriptedEngine
from hypothesis import given, settings
from hypothesis import strategies as st
from test_dates_table import CASES

from rem_agent.agent import RemAgent
from rem_agent.cli import main
from rem_agent.dates import recognise, resolve_dates
from rem_agent.dates.spelling import suggest
from rem_agent.dates.tokens import tokenize
from rem_agent.dates.vocabulary import KNOWN_WORDS, SPELLING_TARGETS, TOPIC_WORDS

NOW = datetime(2026, 11, 26, 10, 30)
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Pacific/Apia"]

# Correctly spelt phrases of the table (every case without "read as").
SPELT_RIGHT = sorted({c.phrase for c in CASES if c.read_as is None})

nows = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31))
zones = st.sampled_from(ZONES)
week_starts = st.sampled_from(["monday", "sunday"])


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("yesterdya", "yesterday"),
        ("lst", "last"),
        ("las", "last"),
        ("tommorow", "tomorrow"),
        ("wendesday", "wednesday"),
        ("febuary", "february"),
        ("tusday", "tuesday"),  # one edit from Tuesday, two from Thursday
        ("thusday", "thursday"),
        ("ocotber", "october"),
        ("untill", "until"),
        ("weeek", "week"),
    ],
)
def test_a_misspelling_is_read_as_the_one_date_word_near_it(typed: str, meant: str) -> None:
    assert suggest(typed) == meant


@pytest.mark.parametrize(
    "word",
    # real words one edit from a date word, and words too short or too far to tell
    (
        "gear lost text weak near moth mourning quartet marc toady least pasta sundae recent"
        " yea wee ag yr fryday xyzzy"
    ).split(),
)
def test_real_words_and_far_words_are_never_corrected(word: str) -> None:
    assert suggest(word) is None


def test_a_tie_is_never_broken() -> None:
    # "tursday" is one edit from Tuesday and one from Thursday
    assert suggest("tursday") is None
    assert resolve_dates("notes tursday", now=NOW).ranges == []


def test_no_date_word_or_topic_word_is_corrected() -> None:
    for word in SPELLING_TARGETS | TOPIC_WORDS:
        assert suggest(word) is None, word


@pytest.mark.parametrize(
    ("request_text", "phrase", "read_as"),
    [
        ("meetings yesterdya", "yesterdya", "yesterday"),
        ("kafka notes from lst week", "from lst week", "from last week"),
        ("las month budget review", "las month", "last month"),
        ("what is due tommorow?", "tommorow", "tomorrow"),
        ("standup on Wendesday", "on Wendesday", "on Wednesday"),
        ("FEBUARY planning", "FEBUARY", "FEBRUARY"),
    ],
)
def test_the_phrase_says_how_it_was_read(request_text: str, phrase: str, read_as: str) -> None:
    (found,) = recognise(request_text)
    assert (found.text, found.read_as) == (phrase, read_as)
    begin, end = found.span
    assert request_text[begin:end] == phrase


@pytest.mark.parametrize(
    "request_text",
    [
        "Las Vegas trip photos",  # "las" would only be "last" before a date word
        "the quartet last played in the lounge",
        "gear this year",
        "mourning notes",
        "lost week notes",
        "pasta recipes",
    ],
)
def test_a_correction_that_makes_no_date_phrase_is_dropped(request_text: str) -> None:
    assert [r.read_as for r in recognise(request_text)] == [None] * len(recognise(request_text))
    assert recognise(request_text) == recognise(request_text, correct=False)


@settings(max_examples=300, deadline=None)
@given(now=nows, tz=zones, week_start=week_starts, phrase=st.sampled_from(SPELT_RIGHT))
def test_correction_never_changes_a_phrase_that_already_resolved(
    now: datetime, tz: str, week_start: str, phrase: str
) -> None:
    kw = {"now": now, "tz": tz, "week_start": week_start}
    assert resolve_dates(phrase, **kw) == resolve_dates(phrase, correct=False, **kw)  # type: ignore[arg-type]


# Ordinary words people search for, the real words nearest to date words among them.
_FILLER = sorted(TOPIC_WORDS) + "notes about kafka meeting with sarah budget the a of in on".split()


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(_FILLER + SPELT_RIGHT), min_size=1, max_size=12),
    now=nows,
    tz=zones,
)
def test_no_correction_fires_on_correctly_spelt_text(
    words: list[str], now: datetime, tz: str
) -> None:
    text = " ".join(words)
    corrected = resolve_dates(text, now=now, tz=tz)
    assert all(r.read_as is None for r in (*corrected.ranges, *corrected.unresolved))
    assert corrected == resolve_dates(text, now=now, tz=tz, correct=False)


def _misspellings(word: str) -> list[str]:
    """One deletion or one swap of neighbours, never of the first letter."""
    out = [word[:k] + word[k + 1 :] for k in range(1, len(word))]
    out += [word[:k] + word[k + 1] + word[k] + word[k + 2 :] for k in range(1, len(word) - 1)]
    return [w for w in out if w != word]


def _respelt_cases() -> list[tuple[str, str]]:
    """(phrase, the phrase with one date word misspelt) where the corrector reads it back."""
    pairs = []
    for phrase in SPELT_RIGHT:
        tokens = tokenize(phrase)
        for tok in tokens:
            word = phrase[tok.start : tok.end]
            if tok.kind != "word" or word != tok.text or tok.text not in SPELLING_TARGETS:
                continue
            for wrong in _misspellings(tok.text):
                # A word the rules read as typed is no misspelling ("minute" of "minutes").
                if suggest(wrong) == tok.text and wrong not in KNOWN_WORDS:
                    pairs.append((phrase, phrase[: tok.start] + wrong + phrase[tok.end :]))
    return pairs


RESPELT = _respelt_cases()


def test_many_respelt_phrases() -> None:
    assert len(RESPELT) > 300


@settings(max_examples=300, deadline=None)
@given(now=nows, tz=zones, week_start=week_starts, pair=st.sampled_from(RESPELT))
def test_a_misspelt_phrase_resolves_as_the_phrase_meant(
    now: datetime, tz: str, week_start: str, pair: tuple[str, str]
) -> None:
    phrase, wrong = pair
    kw = {"now": now, "tz": tz, "week_start": week_start}
    right, read = resolve_dates(phrase, **kw), resolve_dates(wrong, **kw)  # type: ignore[arg-type]
    assert [(r.start, r.end) for r in read.ranges] == [(r.start, r.end) for r in right.ranges]
    assert [u.reason for u in read.unresolved] == [u.reason for u in right.unresolved]
    (item,) = [*read.ranges, *read.unresolved]
    assert (item.text, item.read_as) == (wrong, phrase)


def test_dates_json_prints_read_as(capsys: pytest.CaptureFixture[str]) -> None:
    now = ["--now", "2026-11-26T10:30:00"]
    assert main(["dates", "notes from lst week and tommorow", "--json", *now]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "text": "from lst week",
            "span": [6, 19],
            "start": "2026-11-16",
            "end": "2026-11-23",
            "read_as": "from last week",
        },
        {
            "text": "tommorow",
            "span": [24, 32],
            "start": "2026-11-27",
            "end": "2026-11-28",
            "read_as": "tomorrow",
        },
    ]
    assert main(["dates", "febuary 30", "--json", *now]) == 0
    assert "read as 'february 30'" in capsys.readouterr().err
    assert main(["dates", "lst week", *now]) == 0
    assert "read as 'last week'" in capsys.readouterr().out


def test_translation_warns_how_a_phrase_was_read() -> None:
    query = "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'"
    agent = RemAgent(engine_instance=ScriptedEngine(lambda user, grammar: query))
    result = agent.translate("kafka notes from lst week", now=NOW)
    assert result.valid
    assert 'read "from lst week" as "from last week"' in result.warnings
    plain = agent.translate("kafka notes from last week", now=NOW)
    assert not any(w.startswith("read ") for w in plain.warnings)
