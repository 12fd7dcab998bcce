"""Resolved boundaries as REM timestamp literals, and what a date range accepts (REM.md §1, §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from rem_agent.dates import DateRange, format_literal, resolve_dates

NOW = datetime(2026, 11, 26, 10, 30)


@pytest.mark.parametrize(
    ("moment", "literal"),
    [
        (datetime(2026, 11, 16, tzinfo=ZoneInfo("UTC")), "2026-11-16"),
        (datetime(2026, 11, 16, tzinfo=UTC), "2026-11-16"),
        (datetime(2026, 11, 25, 10, 30, tzinfo=ZoneInfo("UTC")), "2026-11-25T10:30:00"),
        (datetime(2026, 11, 16, tzinfo=ZoneInfo("America/New_York")), "2026-11-16T00:00:00-05:00"),
        (datetime(2026, 7, 1, tzinfo=ZoneInfo("Europe/Berlin")), "2026-07-01T00:00:00+02:00"),
        # London in winter has offset zero but is not UTC: the offset is still written.
        (datetime(2026, 1, 5, tzinfo=ZoneInfo("Europe/London")), "2026-01-05T00:00:00+00:00"),
        (
            datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            "2026-01-05T09:00:00+05:30",
        ),
    ],
)
def test_format_literal(moment: datetime, literal: str) -> None:
    assert format_literal(moment) == literal


def test_range_literals_closed_and_open_sides() -> None:
    result = resolve_dates("last week, since Monday, before 2025", now=NOW)
    closed, since, before = result.ranges
    assert (closed.start_literal(), closed.end_literal()) == ("2026-11-16", "2026-11-23")
    assert (since.start_literal(), since.end_literal()) == ("2026-11-23", None)
    assert (before.start_literal(), before.end_literal()) == (None, "2025-01-01")


def test_range_literals_in_a_zone_carry_offsets() -> None:
    rng = resolve_dates("last week", now=NOW, tz="America/New_York").ranges[0]
    assert (rng.start_literal(), rng.end_literal()) == (
        "2026-11-16T00:00:00-05:00",
        "2026-11-23T00:00:00-05:00",
    )


def test_date_range_rejects_nonsense() -> None:
    start = datetime(2026, 11, 16, tzinfo=UTC)
    with pytest.raises(ValueError):
        DateRange(text="x", span=(0, 1), start=None, end=None)
    with pytest.raises(ValueError):
        DateRange(text="x", span=(0, 1), start=start, end=start)
    with pytest.raises(ValueError):
        DateRange(text="x", span=(0, 1), start=start.replace(tzinfo=None), end=None)
