"""A request before the model: every step that needs no model, each done once.

`prepare` cleans the text (`text`), takes input that already is REM as it is
(`rem.check`), screens out what is not words to search for (`screen`), resolves the
dates (`dates`) and derives their REM literals, and builds the key that identifies the
answer. Everything after it (`pipeline`) reads the `Prepared` request; nothing derives
these again.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from rem_agent.dates import DateResolution, WeekStart, resolve_dates
from rem_agent.errors import UsageError
from rem_agent.rem.ast import statement_start
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.check import check_rem
from rem_agent.rem.profile import Profile
from rem_agent.screen import Screened, screen_request
from rem_agent.text import clean_request

DEFAULT_EXAMPLES = 4


class TranslateOptions(BaseModel):
    """Per-request settings; defaults come from the agent."""

    model_config = ConfigDict(frozen=True)

    now: datetime | None = None
    tz: str = "UTC"
    week_start: WeekStart = "monday"
    profile: Profile = Profile.REM
    constrain: bool = True
    examples: int = DEFAULT_EXAMPLES


class DateInfo(BaseModel):
    """One resolved time phrase and the REM literals of its bounds (None: open)."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: str | None
    end: str | None


def dates_of(resolution: DateResolution) -> tuple[DateInfo, ...]:
    """The literals of each resolved range: the one place they are derived."""
    return tuple(
        DateInfo(text=r.text, start=r.start_literal(), end=r.end_literal())
        for r in resolution.ranges
    )


class Prepared(BaseModel):
    """A request after the steps that need no model (see the module docstring)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    text: str
    options: TranslateOptions
    # Identifies the answer: equal keys get the same translation (caches and servers
    # coalesce on it).
    key: tuple[Hashable, ...]
    rem: str | None = None  # the input was already valid REM: this is its canonical form
    statement: str | None = None
    resolution: DateResolution | None = None
    dates: tuple[DateInfo, ...] = ()
    screened: Screened | None = None  # the text with its payload (commands, SQL) found
    without_dates: str = ""  # the text with its date phrases blanked out (picks examples)
    topic: str = ""  # and without its payload too: what quoted text may be made of


def prepare(text: str, options: TranslateOptions, catalog: Catalog) -> Prepared:
    """Raises `UsageError` for bad input: empty, too long, only a payload, an unknown zone."""
    request = clean_request(text)
    if statement_start(request):
        checked = check_rem(request, profile=options.profile, catalog=catalog)
        if checked.valid:
            return Prepared(
                text=request,
                options=options,
                rem=checked.canonical,
                statement=checked.statement,
                key=("rem", checked.canonical),
            )
    screened = screen_request(request, catalog)
    if screened.problem:  # only a keyword, or only a payload
        raise UsageError(screened.problem)
    return for_model(request, options, catalog, screened=screened)


def for_model(
    request: str, options: TranslateOptions, catalog: Catalog, *, screened: Screened | None = None
) -> Prepared:
    """`request` (cleaned) prepared for the model, without `prepare`'s refusals;
    `screened`: its screening, when done already."""
    if screened is None:
        screened = screen_request(request, catalog)
    resolution = resolve_dates(
        request, now=options.now, tz=options.tz, week_start=options.week_start
    )
    dates = dates_of(resolution)
    return Prepared(
        text=request,
        options=options,
        resolution=resolution,
        dates=dates,
        screened=screened,
        without_dates=resolution.without_phrases(request),
        topic=screened.remainder_without(resolution.spans),
        key=(
            request,
            options.tz,
            options.profile,
            options.constrain,
            options.examples,
            tuple((d.start, d.end) for d in dates),
        ),
    )
