"""Results of date resolution: the pydantic shapes other modules consume."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from rem_agent.dates.literals import format_literal
from rem_agent.interval import Interval

WeekStart = Literal["monday", "sunday"]


class DateRange(BaseModel):
    """One resolved phrase: the half-open interval [start, end); None is an open side.

    `read_as` is how a phrase with a misspelt date word was read ("lst week" → "last
    week"); None when it was read as typed.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    span: tuple[int, int]
    start: datetime | None
    end: datetime | None
    read_as: str | None = None

    @model_validator(mode="after")
    def _check(self) -> DateRange:
        if self.start is None and self.end is None:
            raise ValueError("a date range needs at least one side")
        for side in (self.start, self.end):
            if side is not None and side.tzinfo is None:
                raise ValueError("date range boundaries must be time-zone aware")
        # Compare instants: same-zone datetimes compare by wall time, which DST folds break.
        if (
            self.start is not None
            and self.end is not None
            and self.start.timestamp() >= self.end.timestamp()
        ):
            raise ValueError("a date range must start before it ends")
        return self

    def start_literal(self) -> str | None:
        return None if self.start is None else format_literal(self.start)

    def end_literal(self) -> str | None:
        return None if self.end is None else format_literal(self.end)

    @property
    def interval(self) -> Interval:
        """The phrase and its bounds as REM literals: what the rest of rem-agent reads."""
        return Interval(text=self.text, start=self.start_literal(), end=self.end_literal())


class Unresolved(BaseModel):
    """A temporal phrase that was recognised but not resolved, and why."""

    model_config = ConfigDict(frozen=True)

    text: str
    span: tuple[int, int]
    reason: str
    read_as: str | None = None


class DateResolution(BaseModel):
    """Everything the resolver found in one request, in text order."""

    model_config = ConfigDict(frozen=True)

    ranges: list[DateRange]
    unresolved: list[Unresolved]
    now: datetime
    tz: str

    @property
    def intervals(self) -> tuple[Interval, ...]:
        return tuple(r.interval for r in self.ranges)

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Where each date phrase is in the request, resolved or not."""
        return [r.span for r in self.ranges] + [u.span for u in self.unresolved]

    def without_phrases(self, text: str) -> str:
        """`text` (the request this resolution is of) with every date phrase blanked out."""
        for begin, end in sorted(self.spans, reverse=True):
            text = text[:begin] + " " + text[end:]
        return text
