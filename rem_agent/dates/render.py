"""Writing resolved intervals as REM: timestamp literals, the time field, the condition."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from rem_agent.rem.catalog import TableSpec

if TYPE_CHECKING:
    from rem_agent.dates.models import DateRange

# Zone keys that *are* UTC: their literals are written without an offset (REM.md §1).
UTC_KEYS: frozenset[str] = frozenset(
    {
        "UTC",
        "Etc/UTC",
        "UCT",
        "Etc/UCT",
        "Universal",
        "Etc/Universal",
        "Zulu",
        "Etc/Zulu",
    }
)


def is_utc_zone(tz: object) -> bool:
    if tz is None or tz is UTC:
        return True
    return getattr(tz, "key", None) in UTC_KEYS


def format_literal(moment: datetime) -> str:
    """A REM timestamp literal without quotes (REM.md §4).

    In UTC: `2026-11-16` at midnight, else `2026-11-25T10:30:00` (no offset).
    In any other zone: full ISO-8601 with the offset, `2026-11-16T00:00:00-05:00`.
    """
    if is_utc_zone(moment.tzinfo):
        naive = moment.replace(tzinfo=None)
        if naive.time() == time(0):
            return naive.date().isoformat()
        return naive.isoformat()
    return moment.isoformat()


def time_condition(rng: DateRange, field: str) -> str:
    """`f >= 's' AND f < 'e'`; an open side drops its half."""
    parts = []
    if rng.start is not None:
        parts.append(f"{field} >= '{format_literal(rng.start)}'")
    if rng.end is not None:
        parts.append(f"{field} < '{format_literal(rng.end)}'")
    if not parts:
        raise ValueError("a date range with both sides open has no condition")
    return " AND ".join(parts)


def choose_time_field(text: str, table: TableSpec, *, span: tuple[int, int] | None = None) -> str:
    """The timestamp field the request names ("updated last week"), else the table's default.

    A field is named by one of its catalog `aliases` or by its own name, as a whole
    word. When several are named, the one nearest `span` (the date phrase) wins, else
    the first in the text.
    """
    best: tuple[int, str] | None = None
    for start, end, name in table.time_field_mentions(text):
        rank = start if span is None else max(span[0] - end, start - span[1], 0)
        if best is None or rank < best[0]:
            best = (rank, name)
    return table.default_time_field if best is None else best[1]
