"""A request before the model: every step that needs no model, each done once.

`prepare` cleans the text (`text`), takes input that already is REM as it is
(`rem.check`), screens out what is not words to search for (`screen`), resolves the
dates (`dates`) and derives their REM literals, reads its sizes and counts
(`quantities`), and builds the key that identifies the
answer. Everything after it (`pipeline`) reads the `Prepared` request; nothing derives
these again.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from rem_agent.dates import DateResolution, WeekStart, resolve_dates
from rem_agent.errors import UsageError
from rem_agent.interval import Interval
from rem_agent.quantities import Quantities, read_quantities
from rem_agent.rem.ast import statement_start
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.check import check_rem
from rem_agent.rem.profile import Profile
from rem_agent.text import clean_request
from rem_agent.translate.screen import Screened, screen_request

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


class RequestDefaults(BaseModel):
    """What a request gets when it does not say: the agent's settings for requests."""

    model_config = ConfigDict(frozen=True)

    tz: str = "UTC"
    week_start: WeekStart = "monday"
    profile: Profile = Profile.REM
    examples: int = DEFAULT_EXAMPLES

    def options(
        self,
        *,
        now: datetime | None = None,
        tz: str | None = None,
        profile: Profile | None = None,
        constrain: bool = True,
    ) -> TranslateOptions:
        """A request's options: what it gives, else these defaults."""
        return TranslateOptions(
            now=now,
            tz=self.tz if tz is None else tz,
            week_start=self.week_start,
            profile=self.profile if profile is None else profile,
            constrain=constrain,
            examples=self.examples,
        )


class RequestText(BaseModel):
    """The request's text at each step of taking it apart, each named for what it lacks.
    Every consumer reads the one it needs; none derives another."""

    model_config = ConfigDict(frozen=True)

    cleaned: str  # as typed, cleaned (`text.clean_request`)
    dateless: str  # the date phrases blanked out (picks the few-shot examples)
    payload_free: str  # the payload (commands, SQL) cut out (`screen`): enum values, WHERE words
    searchable: str  # both taken out: the words quoted text may be made of


class AlreadyRem(BaseModel):
    """Input that already is valid REM: its canonical form is the answer, no model runs."""

    model_config = ConfigDict(frozen=True)

    cleaned: str
    options: TranslateOptions
    key: tuple[Hashable, ...]  # equal keys get the same answer (caches coalesce on it)
    rem: str  # the canonical form
    statement: str

    @property
    def intervals(self) -> tuple[Interval, ...]:
        return ()

    @property
    def quantities(self) -> Quantities:
        return Quantities()


class ForModel(BaseModel):
    """A request for the model: its texts, its screening and its resolved dates."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    text: RequestText
    options: TranslateOptions
    key: tuple[Hashable, ...]  # equal keys get the same answer (caches and servers coalesce)
    resolution: DateResolution
    intervals: tuple[Interval, ...]  # the resolved ranges: derived once, here
    quantities: Quantities  # the sizes and counts it names, read by code
    screened: Screened  # the text with its payload (commands, SQL) found


Prepared = AlreadyRem | ForModel
"""A request after the steps that need no model (see the module docstring)."""


def prepare(text: str, options: TranslateOptions, catalog: Catalog) -> Prepared:
    """Raises `UsageError` for bad input: empty, too long, only a payload, an unknown zone."""
    request = clean_request(text)
    if statement_start(request):
        checked = check_rem(request, profile=options.profile, catalog=catalog)
        if checked.valid:
            assert checked.canonical is not None and checked.statement is not None
            return AlreadyRem(
                cleaned=request,
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
) -> ForModel:
    """`request` (cleaned) prepared for the model, without `prepare`'s refusals;
    `screened`: its screening, when done already."""
    if screened is None:
        screened = screen_request(request, catalog)
    resolution = resolve_dates(
        request, now=options.now, tz=options.tz, week_start=options.week_start
    )
    intervals = resolution.intervals
    return ForModel(
        text=RequestText(
            cleaned=request,
            dateless=resolution.without_phrases(request),
            payload_free=screened.remainder,
            searchable=screened.remainder_without(resolution.spans),
        ),
        options=options,
        resolution=resolution,
        intervals=intervals,
        quantities=read_quantities(request, skip=resolution.spans),
        screened=screened,
        key=(
            request,
            options.tz,
            options.profile,
            options.constrain,
            options.examples,
            tuple((d.start, d.end) for d in intervals),
        ),
    )
