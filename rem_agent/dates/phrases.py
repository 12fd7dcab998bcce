"""The phrase tree: what a recognised temporal phrase *means*, before any `now`.

The recogniser builds these nodes from text; the resolver turns them into
intervals against a reference time. Keeping meaning separate from arithmetic
lets one phrase ("last week") be tested against many `now` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Unit = Literal["second", "minute", "hour", "day", "week", "month", "quarter", "year"]
# How a named calendar period with no year is placed relative to today:
# bare = the most recent one that has begun, last = the most recent one strictly
# before the current one, this = the one in the current year/week, next = the
# first one strictly after the current one.
Rel = Literal["bare", "last", "this", "next"]
PeriodKind = Literal["month", "quarter", "half"]
DayPartName = Literal["morning", "afternoon", "evening", "night"]
BoundKind = Literal["since", "after", "before", "until"]
WeekendRel = Literal["bare", "last", "this"]
Precision = Literal["hour", "minute", "second"]

CLOCK_UNITS: frozenset[str] = frozenset({"second", "minute", "hour"})


@dataclass(frozen=True, slots=True)
class Relative:
    """The calendar `unit` `offset` units from the current one: today, last week, 3 days ago."""

    unit: Unit
    offset: int


@dataclass(frozen=True, slots=True)
class Rolling:
    """`count` units ending at tomorrow's midnight (or at `now` for clock units).

    `forward` is the mirror image starting today ("next 3 days").
    """

    unit: Unit
    count: int
    forward: bool = False


@dataclass(frozen=True, slots=True)
class ToDate:
    """From the start of the current `unit` to the end of today (`so far this year`)
    or, with `earlier`, to the start of today (`earlier this week`; `earlier today` ends at now)."""

    unit: Unit
    earlier: bool = False


@dataclass(frozen=True, slots=True)
class PeriodRef:
    """A named month, quarter or half-year (`index` is 1-based), optionally with a year."""

    kind: PeriodKind
    index: int
    year: int | None = None
    year_offset: int | None = None
    rel: Rel = "bare"

    @property
    def has_year(self) -> bool:
        return self.year is not None or self.year_offset is not None


@dataclass(frozen=True, slots=True)
class YearRef:
    year: int


@dataclass(frozen=True, slots=True)
class DateRef:
    """A calendar day; without a year it is the most recent such day that has begun."""

    month: int
    day: int
    year: int | None = None
    year_offset: int | None = None

    @property
    def has_year(self) -> bool:
        return self.year is not None or self.year_offset is not None


@dataclass(frozen=True, slots=True)
class DateTimeRef:
    """An ISO datetime; naive means wall time in the request's zone."""

    moment: datetime
    precision: Precision


@dataclass(frozen=True, slots=True)
class WeekdayRef:
    """A weekday (0 = Monday); `week_offset` pins it to a week ("Monday last week")."""

    weekday: int
    rel: Rel = "bare"
    week_offset: int | None = None


@dataclass(frozen=True, slots=True)
class WeekendRef:
    """Saturday 00:00 to Monday 00:00; `back` steps further back ("the weekend before last")."""

    rel: WeekendRel
    back: int = 0


DayNode = Relative | DateRef | WeekdayRef


@dataclass(frozen=True, slots=True)
class DayPart:
    day: DayNode
    part: DayPartName


@dataclass(frozen=True, slots=True)
class ClockTime:
    """A clock time on a day: [time, time + precision)."""

    day: DayNode
    hour: int
    minute: int
    precision: Precision


Point = (
    Relative
    | Rolling
    | ToDate
    | PeriodRef
    | YearRef
    | DateRef
    | DateTimeRef
    | WeekdayRef
    | WeekendRef
    | DayPart
    | ClockTime
)


@dataclass(frozen=True, slots=True)
class Bound:
    """since/after X (open end) or before/until X (open start)."""

    kind: BoundKind
    inner: Point


@dataclass(frozen=True, slots=True)
class Between:
    """from X to Y / between X and Y: [X.start, Y.end), Y inclusive. A vague X ("from a
    few days ago to ...") leaves the phrase unresolved, with X's reason."""

    first: Point | Vague
    last: Point


@dataclass(frozen=True, slots=True)
class Vague:
    """A temporal phrase the resolver refuses to guess at; `reason` says why."""

    reason: str


Phrase = Point | Bound | Between | Vague
