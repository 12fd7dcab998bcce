"""Writing a resolved boundary as a REM timestamp literal (REM.md §1, §4)."""

from __future__ import annotations

from datetime import UTC, datetime, time

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
