"""Recognition: which phrases are found in running text, and their spans."""

from __future__ import annotations

from datetime import datetime

import pytest

from rem_agent.dates import recognise, resolve_dates
from rem_agent.errors import UsageError

NOW = datetime(2026, 11, 26, 10, 30)


def texts(request: str) -> list[str]:
    return [r.text for r in recognise(request)]


@pytest.mark.parametrize(
    ("request_text", "phrases"),
    [
        ("find resources about machine learning from last week", ["from last week"]),
        ("meetings I had yesterday", ["yesterday"]),
        ("moments tagged work since Monday", ["since Monday"]),
        ("notes from Nov 1 to Nov 5 about kafka", ["from Nov 1 to Nov 5"]),
        ("yesterday and today", ["yesterday", "today"]),
        ("Meeting notes, IN MARCH, please.", ["IN MARCH"]),
        ("what changed in the last 3 days?", ["in the last 3 days"]),
        ("uploads between March and May 2025 tagged work", ["between March and May 2025"]),
        ("docs updated last week, created in 2024", ["last week", "in 2024"]),
        ("standup notes Q3 2025 vs Q4 2024", ["Q3 2025", "Q4 2024"]),
        ("sessions completed YESTERDAY AFTERNOON!!", ["YESTERDAY AFTERNOON"]),
        ("photos over the weekend", ["over the weekend"]),
        ("files from 2026-11-03", ["from 2026-11-03"]),
        ("logs since 2026-11-25T10:30:00Z please", ["since 2026-11-25T10:30:00Z"]),
        ("what happened a while ago", ["a while ago"]),
        ("notes from may", ["from may"]),
        ("notes on sat", ["on sat"]),
        ("meetings from 13 to 15 July", ["from 13 to 15 July"]),
        ("notes from the 13th to the 15th of July", ["from the 13th to the 15th of July"]),
        ("standup notes 13-15 July about kafka", ["13-15 July"]),
        (
            "between the 3rd and the 5th of March, who called?",
            ["between the 3rd and the 5th of March"],
        ),
        ("trip July 13-15", ["July 13-15"]),
        ("what happened fri.", ["fri."]),
        ("notes from thu. and wed.", ["from thu.", "wed."]),
        ("budget review sept.", ["sept."]),
    ],
)
def test_phrases_in_requests(request_text: str, phrases: list[str]) -> None:
    assert texts(request_text) == phrases


@pytest.mark.parametrize(
    "request_text",
    [
        "Who is Sarah Chen?",
        "my 5 most recent uploads",
        "documents about the TiDB migration",
        "I may need the kafka notes",
        "the sun sat low over the hill",
        "24/7 support runbook",
        "top 10 items",
        "meeting with Jan",
        "meeting with Jan.",
        "we sat in the sun.",
        "you may.",
        "fri",
        "",
    ],
)
def test_no_false_positives(request_text: str) -> None:
    assert texts(request_text) == []


def test_spans_point_into_the_input() -> None:
    request = "Kafka notes from LAST week and since Nov. 3rd, 2025!"
    found = recognise(request)
    assert [r.text for r in found] == ["from LAST week", "since Nov. 3rd, 2025"]
    for r in found:
        begin, end = r.span
        assert request[begin:end] == r.text


def test_longest_phrase_wins_without_duplicates() -> None:
    result = resolve_dates("from Nov 1 to Nov 5", now=NOW)
    assert len(result.ranges) == 1
    result = resolve_dates("the week before last", now=NOW)
    assert [r.text for r in result.ranges] == ["the week before last"]
    result = resolve_dates("the last quarter of 2024", now=NOW)
    assert [r.text for r in result.ranges] == ["the last quarter of 2024"]


def test_case_and_punctuation_do_not_matter() -> None:
    variants = ["Last Week", "LAST WEEK", "last week.", "(last week)", "last-week"]
    literals = set()
    for v in variants:
        rngs = resolve_dates(v, now=NOW).ranges
        assert len(rngs) == 1, v
        literals.add((rngs[0].start_literal(), rngs[0].end_literal()))
    assert literals == {("2026-11-16", "2026-11-23")}


@pytest.mark.parametrize(
    "phrase",
    ["a while ago", "the other day", "02/03", "a few weeks ago", "around 2 days ago", "mid-March"],
)
def test_vague_phrases_are_unresolved_with_a_reason(phrase: str) -> None:
    result = resolve_dates(f"notes {phrase} about kafka", now=NOW)
    assert result.ranges == []
    assert [u.text for u in result.unresolved] == [phrase]
    assert len(result.unresolved[0].reason) > 10


def test_unknown_zone_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="time zone"):
        resolve_dates("today", now=NOW, tz="Mars/Olympus_Mons")
    with pytest.raises(UsageError):
        resolve_dates("today", now=NOW, tz="")


def test_bad_week_start_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="week start"):
        resolve_dates("this week", now=NOW, week_start="tuesday")  # type: ignore[arg-type]


def test_aware_now_is_converted_to_the_zone() -> None:
    # 03:00 UTC on the 27th is still the 26th in New York.
    now = datetime.fromisoformat("2026-11-27T03:00:00+00:00")
    rng = resolve_dates("today", now=now, tz="America/New_York").ranges[0]
    assert rng.start_literal() == "2026-11-26T00:00:00-05:00"
    assert rng.end_literal() == "2026-11-27T00:00:00-05:00"


def test_default_now_is_the_current_time() -> None:
    before = datetime.now().astimezone()
    result = resolve_dates("today")
    after = datetime.now().astimezone()
    assert before.replace(microsecond=0) <= result.now <= after
    assert result.tz == "UTC"
    rng = result.ranges[0]
    assert rng.start is not None and rng.end is not None
    assert rng.start <= result.now < rng.end


def test_out_of_range_years_are_unresolved() -> None:
    result = resolve_dates("past 99999 years", now=NOW)
    assert result.ranges == []
    assert result.unresolved[0].reason
    result = resolve_dates("Q4 9999 and after 9999", now=NOW)
    assert len(result.unresolved) == 1  # the quarter ends in 9999; "after 9999" does not exist
