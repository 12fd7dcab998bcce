"""Relative dates: find temporal phrases in a request and resolve them by REM.md §4.

The model never does date arithmetic; it may only copy what this package resolved.
"""

from __future__ import annotations

from rem_agent.dates.literals import format_literal
from rem_agent.dates.recognise import Recognition, recognise
from rem_agent.dates.resolve import load_zone, resolve_dates
from rem_agent.dates.results import DateRange, DateResolution, Unresolved, WeekStart

__all__ = [
    "DateRange",
    "DateResolution",
    "Recognition",
    "Unresolved",
    "WeekStart",
    "format_literal",
    "load_zone",
    "recognise",
    "resolve_dates",
]
