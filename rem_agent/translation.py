"""The answer to one request: `Translation`, and what it tells the user beside the query.

`pipeline` builds one from a decode; `agent` builds one for input that already is REM
and for a cache hit. The warnings say what the query could not express: a time it does
not filter on, words the profile cannot filter on, a payload left out, a misspelt date
word read as another, an answer finished at the token limit.
"""

from __future__ import annotations

import re
import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rem_agent.dates import DateRange, Unresolved
from rem_agent.engines.base import GenerationStats
from rem_agent.rem import ast
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.profile import Profile
from rem_agent.rem.render import render
from rem_agent.request import DateInfo, Prepared
from rem_agent.request_spec import where_unsayable

Source = Literal["model", "rem", "cache"]


class Timings(BaseModel):
    total_ms: float = 0.0
    prefill_tokens: int = 0
    cached_prompt_tokens: int = 0
    generated_tokens: int = 0
    forced_tokens: int = 0  # of the generated: forced by the grammar, no model step of their own
    repeats_undone: int = 0  # verbatim repeats the decoder undid (engines.decode)
    tokens_per_s: float = 0.0

    @classmethod
    def of(cls, stats: GenerationStats, started: float) -> Timings:
        return cls(
            total_ms=ms_since(started),
            prefill_tokens=stats.prompt_tokens - stats.cached_prompt_tokens,
            cached_prompt_tokens=stats.cached_prompt_tokens,
            generated_tokens=stats.generated_tokens,
            forced_tokens=stats.forced_tokens,
            repeats_undone=stats.repeats_undone,
            tokens_per_s=round(stats.tokens_per_s, 2),
        )


class Explain(BaseModel):
    """What `--explain` shows: why the model saw what it saw."""

    prompt_style: str = "few-shot"
    examples: list[str] = []
    prompt_tokens: int = 0
    grammar_chars: int = 0
    raw_output: str | None = None
    # The answer decoded first, when it was a SEARCH without a topic and was decoded again.
    first_answer: str | None = None


class Answerer(BaseModel):
    """Who answered: the engine, model and adapter (all "none" when no model did)."""

    model_config = ConfigDict(frozen=True)

    engine: str = "none"
    model: str = "none"
    adapter: str | None = None


class Translation(BaseModel):
    """The result of one request (`rem-agent translate --json` prints it)."""

    query: str | None
    valid: bool
    profile: Profile
    statement: str | None = None
    dates: list[DateInfo] = []
    warnings: list[str] = []
    engine: str
    model: str
    adapter: str | None = None  # the REM adapter that answered, if any
    source: Source = "model"
    constrained: bool = True
    timings: Timings = Field(default_factory=Timings)
    error: str | None = None
    explain: Explain | None = None


def translation(
    prepared: Prepared,
    query: str | None,
    *,
    by: Answerer,
    source: Source = "model",
    statement: str | None = None,
    timings: Timings | None = None,
    warnings: list[str] | None = None,
    explain: Explain | None = None,
    error: str | None = None,
) -> Translation:
    return Translation(
        query=query,
        valid=query is not None,
        profile=prepared.options.profile,
        statement=statement,
        dates=list(prepared.dates),
        warnings=warnings or [],
        engine=by.engine,
        model=by.model,
        adapter=by.adapter,
        source=source,
        constrained=prepared.options.constrain,
        timings=timings or Timings(),
        error=error,
        explain=explain,
    )


def warnings_for(
    prepared: Prepared, tree: ast.Statement | None, stats: GenerationStats, catalog: Catalog
) -> list[str]:
    """What the user should know about this answer to this request."""
    resolution, screened, profile = prepared.resolution, prepared.screened, prepared.options.profile
    assert resolution is not None and screened is not None
    warnings = [f"could not resolve {u.text!r}: {u.reason}" for u in resolution.unresolved]
    phrases: list[DateRange | Unresolved] = [*resolution.ranges, *resolution.unresolved]
    warnings += [  # a misspelt date word was corrected: say how the phrase was read
        f'read "{p.text}" as "{p.read_as}"' for p in phrases if p.read_as is not None
    ]
    used = _literals(tree)
    for date in prepared.dates:
        if not {b for b in (date.start, date.end) if b} & used:
            where = (
                "the p8fs profile has no time filter on SEARCH"
                if profile is Profile.P8FS and isinstance(tree, ast.Search)
                else "the query does not filter on it"
            )
            warnings.append(f"the time {date.text!r} is not expressed: {where}")
    warnings += screened.warnings()
    if screened.write_intent:
        warnings.append(
            "REM only reads: this query finds the items; it does not change or delete them"
        )
    query = render(tree, default_table=catalog.default_table) if tree else ""
    warnings += [  # words the profile cannot filter on, unless the query says them elsewhere
        f"{phrase!r} is not expressed: {problem.explain(profile.value)}"
        for phrase, problem in where_unsayable(screened.remainder, profile)
        if not re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", query, re.IGNORECASE)
    ]
    if stats.closed_tokens:
        warnings.append(
            "the model ran into the token limit: its answer was finished with the "
            f"shortest ending the grammar allowed ({stats.closed_tokens} tokens)"
        )
    elif stats.dropped_tokens:
        warnings.append(
            "the model ran into the token limit: the answer ends at its last complete "
            f"condition ({stats.dropped_tokens} tokens after it were dropped)"
        )
    return warnings


def _literals(tree: ast.Statement | None) -> set[str]:
    where = getattr(tree, "where", None)
    out: set[str] = set()
    for pred in ast.predicates(where):
        for value in ast.values_of(pred):
            if isinstance(value, ast.StringLit):
                out.add(value.value)
    return out


def ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
