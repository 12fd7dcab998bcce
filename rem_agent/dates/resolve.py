"""Phrase → interval, by the policy of REM.md §4, and the `resolve_dates` entry point.

Calendar arithmetic is done on local *dates*; a boundary becomes a datetime only
at the end, as the local midnight (or clock time) of that date in the request's
zone. So DST days come out 23 or 25 hours long without special cases. Clock
units (hours, minutes, seconds) are the exception: they are absolute durations,
added in UTC.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta

from rem_agent.dates.phrases import (
    CLOCK_UNITS,
    Between,
    Bound,
    ClockTime,
    DateRef,
    DateTimeRef,
    DayNode,
    DayPart,
    PeriodRef,
    Phrase,
    Relative,
    Rolling,
    ToDate,
    Unit,
    Vague,
    WeekdayRef,
    WeekendRef,
    YearRef,
)
from rem_agent.dates.recognise import recognise
from rem_agent.dates.results import DateRange, DateResolution, Unresolved, WeekStart
from rem_agent.errors import UsageError

Interval = tuple[datetime | None, datetime | None]

_CLOCK_STEP: dict[str, timedelta] = {
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
}
_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6}
_DAY_PARTS = {"morning": (0, 12), "afternoon": (12, 18), "evening": (18, 24), "night": (18, 24)}
_WEEK_START_DAY = {"monday": 0, "sunday": 6}
_SATURDAY = 5


class ResolveError(Exception):
    """A recognised phrase that has no sensible interval; the message is the reason."""


@dataclass(frozen=True, slots=True)
class Clock:
    """The reference a phrase is resolved against."""

    now: datetime  # aware, in `zone`, whole seconds
    zone: tzinfo
    week_start: int  # weekday number: 0 = Monday, 6 = Sunday

    @property
    def today(self) -> date:
        return self.now.date()


def load_zone(tz: str) -> tzinfo:
    """An IANA zone by name; a bad name is the caller's mistake (UsageError)."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        raise UsageError(
            f"unknown time zone {tz!r}: give an IANA name such as UTC, Europe/Berlin "
            "or America/New_York"
        ) from None


def resolve_dates(
    text: str,
    *,
    now: datetime | None = None,
    tz: str = "UTC",
    week_start: WeekStart = "monday",
    correct: bool = True,
) -> DateResolution:
    """Find every temporal phrase in `text` and resolve it to [start, end).

    A naive `now` is wall time in `tz`; None means the current time. Results are
    whole seconds. Phrases that cannot be resolved without guessing are returned
    in `unresolved` with a reason. With `correct`, misspelt date words are read as
    the date word meant, and each such phrase says how it was read (`read_as`).
    """
    zone = load_zone(tz)
    if week_start not in _WEEK_START_DAY:
        raise UsageError(f"week start must be 'monday' or 'sunday', not {week_start!r}")
    if now is None:
        moment = datetime.now(zone)
    elif now.tzinfo is None:
        moment = now.replace(tzinfo=zone)
    else:
        moment = now.astimezone(zone)
    clock = Clock(moment.replace(microsecond=0), zone, _WEEK_START_DAY[week_start])

    ranges: list[DateRange] = []
    unresolved: list[Unresolved] = []
    for rec in recognise(text, correct=correct):
        where = {"text": rec.text, "span": rec.span, "read_as": rec.read_as}
        try:
            start, end = resolve_phrase(rec.phrase, clock)
        except ResolveError as exc:
            unresolved.append(Unresolved(**where, reason=str(exc)))
            continue
        except (ValueError, OverflowError):
            unresolved.append(Unresolved(**where, reason="outside the years 1 to 9999"))
            continue
        ranges.append(DateRange(**where, start=start, end=end))
    return DateResolution(ranges=ranges, unresolved=unresolved, now=clock.now, tz=tz)


def resolve_phrase(phrase: Phrase, clock: Clock) -> Interval:
    """The interval of one phrase; raises ResolveError with a reason when there is none."""
    start, end = _interval(phrase, clock)
    if start is not None and end is not None and start.timestamp() >= end.timestamp():
        raise ResolveError("names an empty stretch of time (it ends where it starts)")
    return start, end


def _interval(phrase: Phrase, clock: Clock) -> Interval:
    if isinstance(phrase, Vague):
        raise ResolveError(phrase.reason)
    if isinstance(phrase, Bound):
        start, end = _point(phrase.inner, clock)
        if isinstance(phrase.inner, DateTimeRef | ClockTime):
            end = start  # an instant: "after 10:30" starts at 10:30, "until 10:30" ends there
        match phrase.kind:
            case "since":
                return start, None
            case "after":
                return end, None
            case "before":
                return None, start
            case "until":
                return None, end
    if isinstance(phrase, Between):
        return _between(phrase, clock)
    return _point(phrase, clock)


# --- calendar helpers -------------------------------------------------------


def _midnight(day: date, clock: Clock) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.zone)


def _absolute(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta` as elapsed time (aware arithmetic in one zone is wall-clock)."""
    return (moment.astimezone(UTC) + delta).astimezone(moment.tzinfo)


def _unit_start(day: date, unit: Unit, week_start: int) -> date:
    match unit:
        case "week":
            return day - timedelta(days=(day.weekday() - week_start) % 7)
        case "month":
            return day.replace(day=1)
        case "quarter":
            return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        case "year":
            return date(day.year, 1, 1)
    return day


def _shift(day: date, unit: Unit, n: int) -> date:
    """`day` moved by n units; month arithmetic clamps to the end of a shorter month."""
    match unit:
        case "day":
            return day + timedelta(days=n)
        case "week":
            return day + timedelta(days=7 * n)
        case "month":
            return day + relativedelta(months=n)
        case "quarter":
            return day + relativedelta(months=3 * n)
        case "year":
            return day + relativedelta(years=n)
    raise ResolveError(f"cannot count {unit}s on the calendar")


def _days(first: date, last_exclusive: date, clock: Clock) -> tuple[datetime, datetime]:
    return _midnight(first, clock), _midnight(last_exclusive, clock)


def _floor(moment: datetime, unit: str) -> datetime:
    if unit == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    if unit == "minute":
        return moment.replace(second=0, microsecond=0)
    return moment.replace(microsecond=0)


# --- points -----------------------------------------------------------------


def _point(node: object, clock: Clock, anchor: date | None = None) -> tuple[datetime, datetime]:
    """A phrase naming one stretch of time. `anchor` (a range's start) places a
    bare month/date/weekday at its first occurrence that has not ended by then."""
    today = clock.today
    if isinstance(node, Relative):
        if node.unit in CLOCK_UNITS:
            step = _CLOCK_STEP[node.unit]
            start = _absolute(_floor(clock.now, node.unit), step * node.offset)
            return start, _absolute(start, step)
        first = _shift(_unit_start(today, node.unit, clock.week_start), node.unit, node.offset)
        return _days(first, _shift(first, node.unit, 1), clock)
    if isinstance(node, Rolling):
        return _rolling(node, clock)
    if isinstance(node, ToDate):
        start = _midnight(_unit_start(today, node.unit, clock.week_start), clock)
        if not node.earlier:
            return start, _midnight(today + timedelta(days=1), clock)
        return start, clock.now if node.unit == "day" else _midnight(today, clock)
    if isinstance(node, PeriodRef):
        return _period(node, clock, anchor)
    if isinstance(node, YearRef):
        return _days(date(node.year, 1, 1), date(node.year + 1, 1, 1), clock)
    if isinstance(node, DateTimeRef):
        moment = node.moment
        moment = moment.replace(tzinfo=clock.zone) if moment.tzinfo is None else moment
        moment = moment.astimezone(clock.zone)
        return moment, _absolute(moment, _CLOCK_STEP[node.precision])
    if isinstance(node, DateRef | WeekdayRef):
        day = _day(node, clock, anchor)
        return _days(day, day + timedelta(days=1), clock)
    if isinstance(node, WeekendRef):
        saturday = today - timedelta(days=(today.weekday() - _SATURDAY) % 7)
        on_weekend = today.weekday() >= _SATURDAY
        if node.rel == "last" and on_weekend:
            saturday -= timedelta(days=7)
        elif node.rel == "this" and not on_weekend:
            saturday += timedelta(days=7)
        saturday -= timedelta(days=7 * node.back)
        return _days(saturday, saturday + timedelta(days=2), clock)
    if isinstance(node, DayPart):
        day = _day(node.day, clock, anchor)
        first_hour, last_hour = _DAY_PARTS[node.part]
        start = datetime.combine(day, time(first_hour), tzinfo=clock.zone)
        if last_hour == 24:
            return start, _midnight(day + timedelta(days=1), clock)
        return start, datetime.combine(day, time(last_hour), tzinfo=clock.zone)
    if isinstance(node, ClockTime):
        day = _day(node.day, clock, anchor)
        start = datetime.combine(day, time(node.hour, node.minute), tzinfo=clock.zone)
        return start, _absolute(start, _CLOCK_STEP[node.precision])
    if isinstance(node, Vague):
        raise ResolveError(node.reason)
    raise ResolveError(f"not a single stretch of time: {type(node).__name__}")


def _rolling(node: Rolling, clock: Clock) -> tuple[datetime, datetime]:
    if node.count < 1:
        raise ResolveError("a rolling period needs at least one unit")
    if node.unit in CLOCK_UNITS:
        span = _CLOCK_STEP[node.unit] * node.count
        if node.forward:
            return clock.now, _absolute(clock.now, span)
        return _absolute(clock.now, -span), clock.now
    today = clock.today
    if node.forward:
        return _days(today, _shift(today, node.unit, node.count), clock)
    tomorrow = today + timedelta(days=1)
    return _days(_shift(tomorrow, node.unit, -node.count), tomorrow, clock)


def _period(node: PeriodRef, clock: Clock, anchor: date | None) -> tuple[datetime, datetime]:
    months = _PERIOD_MONTHS[node.kind]
    if not 1 <= node.index <= 12 // months:
        raise ResolveError(f"there is no {node.kind} number {node.index}")
    today = clock.today
    current = (today.month - 1) // months + 1
    if node.year is not None:
        year = node.year
    elif node.year_offset is not None:
        year = today.year + node.year_offset
    elif anchor is not None and node.rel == "bare":
        anchor_index = (anchor.month - 1) // months + 1
        year = anchor.year if node.index >= anchor_index else anchor.year + 1
    else:
        begun = {
            "bare": node.index <= current,
            "last": node.index < current,
            "this": True,
            "next": False,
        }[node.rel]
        year = today.year if begun else today.year - 1
        if node.rel == "next":
            year = today.year if node.index > current else today.year + 1
    first = date(year, (node.index - 1) * months + 1, 1)
    return _days(first, _shift(first, "month", months), clock)


def _day(node: DayNode, clock: Clock, anchor: date | None = None) -> date:
    """The single local date a day-sized phrase names."""
    today = clock.today
    if isinstance(node, Relative):
        return today + timedelta(days=node.offset)
    if isinstance(node, DateRef):
        return _date(node, today, anchor)
    ws = clock.week_start
    weekday = node.weekday
    if node.week_offset is not None:
        week = _unit_start(today, "week", ws) + timedelta(days=7 * node.week_offset)
        return week + timedelta(days=(weekday - ws) % 7)
    if anchor is not None and node.rel == "bare":
        return anchor + timedelta(days=(weekday - anchor.weekday()) % 7)
    match node.rel:
        case "last":
            return today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
        case "next":
            return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        case "this":
            return _unit_start(today, "week", ws) + timedelta(days=(weekday - ws) % 7)
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _date(node: DateRef, today: date, anchor: date | None) -> date:
    if node.has_year:
        year = node.year if node.year is not None else today.year + (node.year_offset or 0)
        try:
            return date(year, node.month, node.day)
        except ValueError:
            raise ResolveError(
                f"there is no day {node.day} in month {node.month} of {year}"
            ) from None
    # No year: the most recent such day that has begun, or with an anchor the
    # first one on or after it. Eight years always contain a leap year.
    years = range(anchor.year, anchor.year + 9) if anchor else range(today.year, today.year - 9, -1)
    for year in years:
        try:
            day = date(year, node.month, node.day)
        except ValueError:
            continue
        if (anchor is not None and day >= anchor) or (anchor is None and day <= today):
            return day
    raise ResolveError(f"there is no day {node.day} in month {node.month}")


def _has_year(node: object) -> bool:
    return isinstance(node, YearRef) or (isinstance(node, PeriodRef | DateRef) and node.has_year)


def _between(node: Between, clock: Clock) -> tuple[datetime, datetime]:
    first, last = node.first, node.last
    if isinstance(first, DateRef) and isinstance(last, DateRef) and _one_month(first, last):
        return _days_in_one_month(first, last, clock)
    if (
        isinstance(first, PeriodRef | DateRef)
        and not first.has_year
        and getattr(first, "rel", "bare") == "bare"
        and _has_year(last)
    ):
        # "between March and May 2025": the first end borrows the year of the last,
        # stepping back a year if that would put it after the last ("Nov to Feb 2025").
        last_start, end = _point(last, clock)
        start, _ = _point(dataclasses.replace(first, year=last_start.year), clock)
        if start.timestamp() > last_start.timestamp():
            start, _ = _point(dataclasses.replace(first, year=last_start.year - 1), clock)
    else:
        start, _ = _point(first, clock)
        last_start, end = _point(last, clock, anchor=start.date())
        if isinstance(last, DateTimeRef | ClockTime):
            end = last_start  # "to 12:00" stops at noon; a day or month is inclusive
    if start.timestamp() >= end.timestamp():
        raise ResolveError("the range ends before it starts")
    return start, end


def _one_month(first: DateRef, last: DateRef) -> bool:
    """Two days of one month without a year: "13-15 July", "Nov 1 to 5", "Feb 28-29"."""
    return (
        not first.has_year
        and not last.has_year
        and first.month == last.month
        and first.day <= last.day
    )


def _days_in_one_month(first: DateRef, last: DateRef, clock: Clock) -> tuple[datetime, datetime]:
    """One year for both days: the most recent whose first day has begun and whose last
    day exists (anchoring the last day alone would carry "Feb 28-29" to the next leap year)."""
    today = clock.today
    for year in range(today.year, today.year - 9, -1):
        try:
            begin, finish = date(year, first.month, first.day), date(year, last.month, last.day)
        except ValueError:
            continue
        if begin <= today:
            return _days(begin, finish + timedelta(days=1), clock)
    raise ResolveError(f"there are no days {first.day} to {last.day} in month {first.month}")
