"""Properties that must hold for every `now`, zone and week start."""

from __future__ import annotations

import calendar
import json
import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from rem_agent.dates import resolve_dates

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",  # half-hour DST shift
    "Asia/Kolkata",
    "America/Santiago",  # DST changes at midnight: some local midnights do not exist
    "Pacific/Apia",
]
PHRASES = [
    "today", "yesterday", "this week", "last week", "earlier this week", "this month",
    "last month", "this quarter", "last quarter", "Q1", "Q3", "Q4 2024", "last year",
    "this year", "in March", "in December", "March 2025", "past 3 days", "past week",
    "past 2 weeks", "past month", "past year", "recently", "past 24 hours", "3 days ago",
    "2 weeks ago", "on Monday", "on Sunday", "last Thursday", "next Friday", "this morning",
    "yesterday afternoon", "tonight", "last night", "last weekend", "over the weekend",
    "this weekend", "since Monday", "since March", "before 2025", "after March 2025",
    "between March and May 2025", "from Nov 1 to Nov 5", "on Nov 3", "Feb 29",
    "so far this year", "earlier today", "3 months ago", "2 hours ago", "past 90 minutes",
    "the week before last", "Monday last week", "older than 30 days", "first half of 2025",
]  # fmt: skip

nows = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31))
zones = st.sampled_from(ZONES)
week_starts = st.sampled_from(["monday", "sunday"])


def local_date(moment: datetime) -> date:
    return moment.date()


@settings(max_examples=150, deadline=None)
@given(now=nows, tz=zones, week_start=week_starts, phrase=st.sampled_from(PHRASES))
def test_start_before_end(now: datetime, tz: str, week_start: str, phrase: str) -> None:
    result = resolve_dates(phrase, now=now, tz=tz, week_start=week_start)  # type: ignore[arg-type]
    for rng in result.ranges:
        assert rng.start is not None or rng.end is not None
        if rng.start is not None and rng.end is not None:
            assert rng.start.timestamp() < rng.end.timestamp()
        for side in (rng.start, rng.end):
            assert side is None or side.utcoffset() == side.astimezone(ZoneInfo(tz)).utcoffset()
    # only phrases that can be empty may go unresolved
    for item in result.unresolved:
        assert item.text in ("earlier this week", "earlier today", "Feb 29"), item


@settings(max_examples=150, deadline=None)
@given(now=nows, tz=zones)
def test_yesterday_ends_where_today_starts(now: datetime, tz: str) -> None:
    result = resolve_dates("yesterday today tomorrow", now=now, tz=tz)
    yesterday, today, tomorrow = result.ranges
    assert yesterday.end == today.start
    assert today.end == tomorrow.start
    assert yesterday.end_literal() == today.start_literal()
    assert today.start is not None and today.end is not None
    assert today.start.timestamp() <= result.now.timestamp() < today.end.timestamp()


@example(now=datetime(2012, 1, 2, 0, 0), tz="Pacific/Apia", week_start="monday")
@settings(max_examples=150, deadline=None)
@given(now=nows, tz=zones, week_start=week_starts)
def test_last_week_is_seven_local_days(now: datetime, tz: str, week_start: str) -> None:
    result = resolve_dates("last week this week", now=now, tz=tz, week_start=week_start)  # type: ignore[arg-type]
    last, this = result.ranges
    assert last.start is not None and last.end is not None
    assert local_date(last.end) - local_date(last.start) == timedelta(days=7)
    assert last.end == this.start
    assert last.start.weekday() == (0 if week_start == "monday" else 6)
    assert last.start.time() == time(0) and last.end.time() == time(0)
    hours = (last.end.timestamp() - last.start.timestamp()) / 3600
    # Seven local days; in elapsed hours, less whatever the zone's UTC offset gained that
    # week (a DST change, or Samoa skipping 2011-12-30 when it crossed the date line).
    gained = (last.end.utcoffset() - last.start.utcoffset()).total_seconds() / 3600  # type: ignore[operator]
    assert hours == 7 * 24 - gained


@settings(max_examples=150, deadline=None)
@given(now=nows, tz=zones, n=st.integers(min_value=1, max_value=400))
def test_past_n_days_ends_at_tomorrows_midnight(now: datetime, tz: str, n: int) -> None:
    result = resolve_dates(f"past {n} days", now=now, tz=tz)
    (rng,) = result.ranges
    assert rng.start is not None and rng.end is not None
    today = result.now.date()
    assert local_date(rng.end) == today + timedelta(days=1)
    assert rng.end.time() == time(0)
    assert local_date(rng.start) == today + timedelta(days=1 - n)
    assert rng.start.timestamp() <= result.now.timestamp() < rng.end.timestamp()


@settings(max_examples=100, deadline=None)
@given(now=nows, tz=zones, n=st.integers(min_value=1, max_value=24 * 400))
def test_past_n_hours_is_exact_elapsed_time(now: datetime, tz: str, n: int) -> None:
    result = resolve_dates(f"past {n} hours", now=now, tz=tz)
    (rng,) = result.ranges
    assert rng.start is not None and rng.end is not None
    assert rng.end == result.now
    assert rng.end.timestamp() - rng.start.timestamp() == n * 3600


@settings(max_examples=100, deadline=None)
@given(now=nows, tz=zones)
def test_month_and_quarter_tile_the_year(now: datetime, tz: str) -> None:
    result = resolve_dates(
        "last month this month last quarter this quarter last year this year", now=now, tz=tz
    )
    lm, tm, lq, tq, ly, ty = result.ranges
    assert lm.end == tm.start and lq.end == tq.start and ly.end == ty.start
    for rng in (tm, tq, ty):
        assert rng.start is not None and rng.end is not None
        assert rng.start.timestamp() <= result.now.timestamp() < rng.end.timestamp()
        assert local_date(rng.start).day == 1


def test_results_do_not_depend_on_the_machine_time_zone() -> None:
    requests = "\n".join(PHRASES) + "\n"
    outputs = set()
    for machine_tz in ("UTC", "America/Los_Angeles", "Asia/Kathmandu", "Pacific/Kiritimati"):
        for tz in ("UTC", "Europe/Berlin"):
            env = {**os.environ, "TZ": machine_tz}
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "rem_agent",
                    "dates",
                    "-",
                    "--json",
                    "--now",
                    "2026-11-26T23:30:00",
                    "--tz",
                    tz,
                ],
                input=requests,
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            lines = [json.loads(line) for line in proc.stdout.splitlines()]
            assert len(lines) == len(PHRASES)
            outputs.add((tz, proc.stdout))
    assert len(outputs) == 2  # one output per request zone, whatever the machine's zone


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@settings(max_examples=150, deadline=None)
@given(
    now=nows,
    tz=zones,
    week_start=week_starts,
    month=st.integers(min_value=1, max_value=12),
    first=st.integers(min_value=1, max_value=25),  # last <= 28: every month has it
    length=st.integers(min_value=0, max_value=3),
)
def test_a_day_range_reads_the_same_with_the_month_before_or_after(
    now: datetime, tz: str, week_start: str, month: int, first: int, length: int
) -> None:
    last = first + length
    name = calendar.month_name[month]
    wordings = [
        f"{name} {first}-{last}",
        f"{first}-{last} {name}",
        f"from {first} to {last} {name}",
        f"from the {_ordinal(first)} to the {_ordinal(last)} of {name}",
        f"between the {_ordinal(first)} and the {_ordinal(last)} of {name}",
    ]
    seen = set()
    for text in wordings:
        result = resolve_dates(text, now=now, tz=tz, week_start=week_start)  # type: ignore[arg-type]
        (rng,) = result.ranges
        assert rng.text == text
        assert rng.start is not None and rng.end is not None
        seen.add((rng.start, rng.end))
    ((start, end),) = seen
    today = resolve_dates("today", now=now, tz=tz).now.date()
    # one month of one year, the most recent whose first day has begun
    assert local_date(start) == date(local_date(start).year, month, first) <= today
    assert local_date(end) - local_date(start) == timedelta(days=length + 1)
    assert date(local_date(start).year + 1, month, first) > today
