"""An independent calendar for generated data: the intervals of the date phrases the
dev set and the training data use, computed with datetime and dateutil only.

It never calls `rem_agent.dates`: the targets it helps write are what the resolver is
checked against, so they must not come from the resolver itself (REM.md §4).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december",
]  # fmt: skip
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)}

Interval = tuple[datetime | None, datetime | None]


def _month_index(word: str) -> int:
    try:
        return _MONTH_ABBR[word[:3].lower()]
    except KeyError:
        raise ValueError(f"{word!r} is not a month") from None


def _latest_begun_month(month: int, now: datetime) -> datetime:
    year = now.year if month <= now.month else now.year - 1
    return datetime(year, month, 1)


def _latest_begun_day(month: int, day: int, now: datetime) -> datetime:
    this_year = datetime(now.year, month, day)
    return this_year if this_year <= now else datetime(now.year - 1, month, day)


def interval(phrase: str, now: datetime) -> Interval:
    """[start, end) in naive local wall time for one phrase this set uses (REM.md §4)."""
    p = phrase.lower().strip()
    today = datetime(now.year, now.month, now.day)
    tomorrow = today + timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    month1 = today.replace(day=1)
    quarter1 = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    year1 = today.replace(month=1, day=1)
    fixed: dict[str, Interval] = {
        "today": (today, tomorrow),
        "yesterday": (today - timedelta(days=1), today),
        "this week": (monday, monday + timedelta(days=7)),
        "last week": (monday - timedelta(days=7), monday),
        "earlier this week": (monday, today),
        "this month": (month1, month1 + relativedelta(months=1)),
        "last month": (month1 - relativedelta(months=1), month1),
        "this quarter": (quarter1, quarter1 + relativedelta(months=3)),
        "last quarter": (quarter1 - relativedelta(months=3), quarter1),
        "this year": (year1, year1 + relativedelta(years=1)),
        "last year": (year1 - relativedelta(years=1), year1),
        "so far this year": (year1, tomorrow),
        "year to date": (year1, tomorrow),
        "recently": (tomorrow - timedelta(days=7), tomorrow),
        "lately": (tomorrow - timedelta(days=7), tomorrow),
        "past week": (tomorrow - timedelta(days=7), tomorrow),
        "in the last week": (tomorrow - timedelta(days=7), tomorrow),
        "past month": (tomorrow - relativedelta(months=1), tomorrow),
        "in the last month": (tomorrow - relativedelta(months=1), tomorrow),
        "past 24 hours": (now - timedelta(hours=24), now),
        "this morning": (today, today + timedelta(hours=12)),
        "this afternoon": (today + timedelta(hours=12), today + timedelta(hours=18)),
        "yesterday afternoon": (today - timedelta(hours=12), today - timedelta(hours=6)),
        "yesterday morning": (today - timedelta(days=1), today - timedelta(hours=12)),
        "tonight": (today + timedelta(hours=18), tomorrow),
        "this evening": (today + timedelta(hours=18), tomorrow),
        "last weekend": (monday - timedelta(days=2), monday),
        "over the weekend": (monday - timedelta(days=2), monday),
    }
    if p in fixed:
        return fixed[p]
    if m := re.fullmatch(r"(?:past|last|in the last) (\d+) (day|week|month)s?", p):
        n, unit = int(m[1]), m[2]
        delta = relativedelta(**{f"{unit}s": n})
        return tomorrow - delta, tomorrow
    if m := re.fullmatch(r"(\d+) days ago", p):
        start = today - timedelta(days=int(m[1]))
        return start, start + timedelta(days=1)
    if m := re.fullmatch(r"(\d+) weeks ago", p):
        start = monday - timedelta(days=7 * int(m[1]))
        return start, start + timedelta(days=7)
    if p in WEEKDAYS:  # a bare weekday: the most recent one begun (REM.md §4)
        p = f"on {p}"
    if m := re.fullmatch(r"(on|since|last) (\w+day)", p):
        wd = WEEKDAYS.index(m[2])
        back = (today.weekday() - wd) % 7 if m[1] != "last" else (today.weekday() - wd - 1) % 7 + 1
        day = today - timedelta(days=back)
        return (day, None) if m[1] == "since" else (day, day + timedelta(days=1))
    if m := re.fullmatch(r"(?:on )?(\d{4})-(\d\d)-(\d\d)", p):
        day = datetime(int(m[1]), int(m[2]), int(m[3]))
        return day, day + timedelta(days=1)
    if m := re.fullmatch(r"from (\w+) (\d{1,2}) to (\w+) (\d{1,2})", p):
        start = _latest_begun_day(_month_index(m[1]), int(m[2]), now)
        end = datetime(start.year, _month_index(m[3]), int(m[4])) + timedelta(days=1)
        return start, end
    if m := re.fullmatch(r"(?:on )?([a-z]{3,9}) (\d{1,2})", p):
        day = _latest_begun_day(_month_index(m[1]), int(m[2]), now)
        return day, day + timedelta(days=1)
    if m := re.fullmatch(r"(since|after) (\d{4})", p):
        year = int(m[2]) + (m[1] == "after")
        return datetime(year, 1, 1), None
    if m := re.fullmatch(r"(?:in )?q([1-4])(?: (\d{4}))?", p):
        q = int(m[1])
        if m[2]:
            start = datetime(int(m[2]), 3 * q - 2, 1)
        else:
            start = datetime(now.year, 3 * q - 2, 1)
            if start > today:
                start -= relativedelta(years=1)
        return start, start + relativedelta(months=3)
    if m := re.fullmatch(r"(?:in )?(\d{4})", p):
        start = datetime(int(m[1]), 1, 1)
        return start, start + relativedelta(years=1)
    if m := re.fullmatch(r"before (\d{4})", p):
        return None, datetime(int(m[1]), 1, 1)
    if m := re.fullmatch(r"after (\w+) (\d{4})", p):
        start = datetime(int(m[2]), _month_index(m[1]), 1) + relativedelta(months=1)
        return start, None
    if m := re.fullmatch(r"between (\w+) and (\w+) (\d{4})", p):
        year = int(m[3])
        end = datetime(year, _month_index(m[2]), 1) + relativedelta(months=1)
        return datetime(year, _month_index(m[1]), 1), end
    if m := re.fullmatch(r"since (\w+)", p):
        return _latest_begun_month(_month_index(m[1]), now), None
    if m := re.fullmatch(r"(\w+) (\d{4})", p):
        start = datetime(int(m[2]), _month_index(m[1]), 1)
        return start, start + relativedelta(months=1)
    if m := re.fullmatch(r"(?:in )?(\w+)", p):
        start = _latest_begun_month(_month_index(m[1]), now)
        return start, start + relativedelta(months=1)
    raise ValueError(f"no independent rule for {phrase!r}")


def literal(moment: datetime, tz: str) -> str:
    """REM literal: a UTC midnight is a bare date; other zones carry their offset."""
    if tz == "UTC":
        return (
            moment.strftime("%Y-%m-%d")
            if moment.time() == datetime.min.time()
            else (moment.isoformat(timespec="seconds"))
        )
    return moment.replace(tzinfo=ZoneInfo(tz)).isoformat(timespec="seconds")


def literals(phrase: str, now: str, tz: str) -> tuple[str | None, str | None]:
    start, end = interval(phrase, datetime.fromisoformat(now))
    return (literal(start, tz) if start else None, literal(end, tz) if end else None)


def condition(field_name: str, bounds: tuple[str | None, str | None]) -> str:
    start, end = bounds
    parts = ([f"{field_name} >= '{start}'"] if start else []) + (
        [f"{field_name} < '{end}'"] if end else []
    )
    return " AND ".join(parts)
