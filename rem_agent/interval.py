"""`Interval`: one time phrase of a request and its half-open interval [start, end), as
REM timestamp literals (REM.md §4). The one shape an interval has from the resolver
(`dates.DateRange.interval`) to the prompt, the decode grammar and the answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Interval(BaseModel):
    """`start` and `end` are literals without quotes ('2026-11-16' or with a time and an
    offset); None is an open side. `text` is the phrase ("" where none is known)."""

    model_config = ConfigDict(frozen=True)

    text: str = ""
    start: str | None = None
    end: str | None = None
