"""The answer to one request: `Translation`, and what it tells the user beside the query.

`pipeline` builds one from a decode; `agent` builds one for input that already is REM
and for a cache hit. Its warnings come from `review`.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rem_agent.engines.base import DecodeStats, EngineInfo
from rem_agent.interval import Interval
from rem_agent.quantities import Quantity
from rem_agent.rem.profile import Profile
from rem_agent.translate.request import Prepared

Source = Literal["model", "rem", "cache"]


class Timings(BaseModel):
    """How long the request took, and how its decode went (all zero when no model ran)."""

    total_ms: float = 0.0
    decode: DecodeStats = Field(default_factory=DecodeStats)


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

    @classmethod
    def of(cls, info: EngineInfo) -> Answerer:
        return cls(engine=info.name, model=info.model, adapter=info.adapter)


class Translation(BaseModel):
    """The result of one request (`rem-agent translate --json` prints it)."""

    query: str | None
    valid: bool
    profile: Profile
    statement: str | None = None
    dates: list[Interval] = []
    quantities: list[Quantity] = []  # sizes and counts the request names, as read
    warnings: list[str] = []
    engine: str
    model: str
    adapter: str | None = None  # the REM adapter that answered, if any
    source: Source = "model"
    constrained: bool = True
    # How likely the answer is right (translate.confidence): calibrated on validation data
    # where the adapter ships a calibration. 1 for REM typed as such, 0 with no answer.
    confidence: float = 0.0
    # The low-confidence answer a `min_confidence` replaced with a plain search, if any.
    replaced: str | None = None
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
    confidence: float | None = None,
) -> Translation:
    return Translation(
        query=query,
        valid=query is not None,
        profile=prepared.options.profile,
        statement=statement,
        dates=list(prepared.intervals),
        quantities=list(prepared.quantities.found),
        warnings=warnings or [],
        engine=by.engine,
        model=by.model,
        adapter=by.adapter,
        source=source,
        constrained=prepared.options.constrain,
        timings=timings or Timings(),
        error=error,
        explain=explain,
        confidence=(1.0 if source == "rem" else 0.0) if confidence is None else confidence,
    )


def ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
