"""Literal formatting, WHERE conditions and time-field choice (REM.md §1, §3, §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from rem_agent.dates import (
    DateRange,
    choose_time_field,
    format_literal,
    resolve_dates,
    time_condition,
)
from rem_agent.rem.catalog import default_catalog

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


def test_time_condition_closed_and_open_sides() -> None:
    result = resolve_dates("last week, since Monday, before 2025", now=NOW)
    closed, since, before = result.ranges
    assert time_condition(closed, "created_at") == (
        "created_at >= '2026-11-16' AND created_at < '2026-11-23'"
    )
    assert time_condition(since, "resource_timestamp") == "resource_timestamp >= '2026-11-23'"
    assert time_condition(before, "created_at") == "created_at < '2025-01-01'"


def test_time_condition_in_a_zone_carries_offsets() -> None:
    rng = resolve_dates("last week", now=NOW, tz="America/New_York").ranges[0]
    assert time_condition(rng, "updated_at") == (
        "updated_at >= '2026-11-16T00:00:00-05:00' AND updated_at < '2026-11-23T00:00:00-05:00'"
    )


def test_date_range_rejects_nonsense() -> None:
    start = datetime(2026, 11, 16, tzinfo=UTC)
    with pytest.raises(ValueError):
        DateRange(text="x", span=(0, 1), start=None, end=None)
    with pytest.raises(ValueError):
        DateRange(text="x", span=(0, 1), start=start, end=start)
    with pytest.raises(ValueError):
        DateRange(text="x", span=(0, 1), start=start.replace(tzinfo=None), end=None)


@pytest.mark.parametrize(
    ("table", "request_text", "field"),
    [
        ("resources", "notes from last week", "created_at"),
        ("resources", "notes updated last week", "updated_at"),
        ("resources", "docs Modified yesterday", "updated_at"),
        ("resources", "notes that happened in March", "resource_timestamp"),
        ("moments", "meetings yesterday", "resource_timestamp"),
        ("moments", "meetings that ended after 5pm yesterday", "resource_ends_timestamp"),
        ("files", "files from last week", "upload_timestamp"),
        ("files", "files uploaded last week", "upload_timestamp"),
        ("files", "files created last week", "created_at"),
        ("sessions", "sessions completed yesterday", "session_completed_at"),
        ("sessions", "sessions finished yesterday", "session_completed_at"),
        ("sessions", "sessions from yesterday", "created_at"),
        ("sessions", "sessions where updated_at is last week", "updated_at"),
        # an alias of another table's field does not count
        ("resources", "notes uploaded last week", "created_at"),
        # "upload" is not the alias "uploaded": whole words only
        ("files", "files reupdated last week", "upload_timestamp"),
    ],
)
def test_choose_time_field(table: str, request_text: str, field: str) -> None:
    spec = default_catalog().table(table)
    assert spec is not None
    assert choose_time_field(request_text, spec) == field


def test_choose_time_field_prefers_the_alias_nearest_the_phrase() -> None:
    spec = default_catalog().table("resources")
    assert spec is not None
    request = "notes created by Sarah and updated last week"
    rng = resolve_dates(request, now=NOW).ranges[0]
    assert choose_time_field(request, spec) == "created_at"
    assert choose_time_field(request, spec, span=rng.span) == "updated_at"
