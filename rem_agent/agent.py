"""RemAgent: search-bar text in, one valid REM query out; what every face calls.

The agent keeps the settings, the loaded engine and a cache of answers, and hands
each request down one path (read `request.py`, then `pipeline.py`):

    text → translate.request.prepare (clean, screen, dates, key) → cache or REM as typed
         → translate.pipeline.Pipeline.translate (prompt, spec, grammar, decode, check, retry)
         → translate.translation.Translation

Its settings are fixed when it is made; `load()` builds the one `Pipeline` that every
request takes, and the answer cache keys on that pipeline's settings and the request.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rem_agent.dates import WeekStart
from rem_agent.engines.base import Engine, EngineRequest
from rem_agent.lru import LRU
from rem_agent.rem.catalog import Catalog, default_catalog
from rem_agent.rem.profile import Profile, parse_profile
from rem_agent.text import MAX_REQUEST_CHARS, clean_request
from rem_agent.translate.confidence import check_confidence, load_calibration
from rem_agent.translate.pipeline import (
    DEFAULT_MAX_TOKENS,
    Cancelled,
    Pipeline,
    PipelineSettings,
    with_fallback,
)
from rem_agent.translate.prompts import PromptLibrary, PromptStyle
from rem_agent.translate.request import (
    DEFAULT_EXAMPLES,
    AlreadyRem,
    ForModel,
    Prepared,
    RequestDefaults,
    TranslateOptions,
    prepare,
)
from rem_agent.translate.spec import NARROW_ALL, Narrowing
from rem_agent.translate.translation import Answerer, Timings, Translation, ms_since, translation
from rem_agent.worker import ModelWorker

if TYPE_CHECKING:
    from rem_agent.affinity.judge import AffinityResult

__all__ = [
    "MAX_REQUEST_CHARS",
    "Cancelled",
    "Prepared",
    "RemAgent",
    "Timings",
    "TranslateOptions",
    "Translation",
    "clean_request",
]


class RemAgent:
    """Translates requests with one loaded model; safe to share between threads.

    The engine is created and loaded on first use (or by `load()`), once per agent. Its
    settings are fixed at construction: an agent with other settings is another agent
    (it may share the same engine through `engine_instance`). Translations are kept in
    a bounded LRU cache keyed by everything that decides the answer: the pipeline's
    settings and the request's key (its text, resolved dates, profile and mode).
    """

    def __init__(
        self,
        *,
        engine: EngineRequest = "auto",
        model: str | None = None,
        adapter: str | bool = True,
        catalog: Catalog | None = None,
        profile: Profile | str = Profile.REM,
        tz: str = "UTC",
        week_start: WeekStart = "monday",
        examples: int = DEFAULT_EXAMPLES,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        cache_size: int = 512,
        prompts: PromptLibrary | None = None,
        engine_instance: Engine | None = None,
        narrowing: Narrowing = NARROW_ALL,
        jump_forward: bool = True,
        no_repeat: bool = True,
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self.engine_request = engine
        self.model_request = model
        # True: the adapter shipped for the model (if any); False: none; a path: that one.
        self.adapter_request = adapter
        self._catalog = catalog or default_catalog()
        # Fixed for the agent's life: another setting is another agent.
        self.defaults = RequestDefaults(
            tz=tz, week_start=week_start, profile=parse_profile(profile), examples=examples
        )
        self._prompts = prompts or PromptLibrary()
        # What of the pipeline's settings the caller chose; the prompt style follows the
        # adapter, known once the engine exists.
        self._chosen = PipelineSettings(
            max_tokens=max_tokens, narrowing=narrowing, jump_forward=jump_forward,
            no_repeat=no_repeat,
        )  # fmt: skip
        self._engine: Engine | None = engine_instance
        self._on_status = on_status
        self._load_lock = threading.Lock()
        self._pipeline: Pipeline | None = None
        self._engine_lock = threading.Lock()
        self._worker = ModelWorker("rem-agent-model")  # for atranslate
        self._cache: LRU[tuple[PipelineSettings, object], Translation] = LRU(max(0, cache_size))

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    # -- the model --------------------------------------------------------

    @property
    def engine(self) -> Engine:
        with self._engine_lock:
            if self._engine is None:
                from rem_agent.engines.select import create_engine

                self._engine = create_engine(
                    self.engine_request,
                    self.model_request,
                    adapter=self.adapter_request,
                )
            return self._engine

    def load(self) -> Engine:
        """Create and load the engine, and build the pipeline (once); progress goes to
        `on_status`."""
        return self.pipeline().engine

    def pipeline(self) -> Pipeline:
        """The one path every request takes through the model (built on first use)."""
        with self._load_lock:
            if self._pipeline is None:
                engine = self.engine
                engine.load(self._on_status)
                adapter = engine.adapter
                self._pipeline = Pipeline(
                    engine=engine,
                    prompts=self._prompts.for_catalog(self._catalog),
                    settings=self._chosen.model_copy(update={"style": self.prompt_style}),
                    calibration=load_calibration(adapter.folder if adapter else None),
                )
                if self._on_status is not None:
                    self._on_status(engine.info().describe())
            return self._pipeline

    @property
    def loaded(self) -> bool:
        return self._pipeline is not None

    def describe(self) -> tuple[str, str]:
        """(engine name, model name), without loading anything not yet loaded."""
        if self._engine is None:
            return self.engine_request, self.model_request or "default"
        return self._engine.name, self._engine.model_name

    @property
    def adapter_name(self) -> str | None:
        """The adapter of the engine, once created (None: the base model answers)."""
        adapter = self._engine.adapter if self._engine is not None else None
        return adapter.name if adapter is not None else None

    @property
    def prompt_style(self) -> PromptStyle:
        """An adapted model gets the compact prompt it was trained on; the base, few-shot."""
        return "compact" if self.adapter_name is not None else "few-shot"

    # -- translation ------------------------------------------------------

    def options(
        self,
        *,
        now: datetime | None = None,
        tz: str | None = None,
        profile: Profile | str | None = None,
        constrain: bool = True,
    ) -> TranslateOptions:
        """A request's options: what it gives, else the agent's defaults."""
        chosen = None if profile is None else parse_profile(profile)
        return self.defaults.options(now=now, tz=tz, profile=chosen, constrain=constrain)

    def prepare(
        self,
        text: str,
        *,
        now: datetime | None = None,
        tz: str | None = None,
        profile: Profile | str | None = None,
        constrain: bool = True,
    ) -> Prepared:
        """Everything decided before the model (`translate.request.prepare`). Raises
        `UsageError` for bad input. Requests with equal `key` get the same translation."""
        opts = self.options(now=now, tz=tz, profile=profile, constrain=constrain)
        return prepare(text, opts, self._catalog)

    def answer_without_model(self, prepared: Prepared) -> Translation | None:
        """The answer when no model is needed (input already REM, or a cached repeat)."""
        if isinstance(prepared, AlreadyRem):
            return self._as_typed(prepared)
        return self._cached(prepared)

    def _as_typed(self, prepared: AlreadyRem) -> Translation:
        started = time.perf_counter()
        return translation(
            prepared,
            prepared.rem,
            by=Answerer(),
            source="rem",
            statement=prepared.statement,
            timings=Timings(total_ms=ms_since(started)),
        )

    def _cached(self, prepared: ForModel) -> Translation | None:
        started = time.perf_counter()
        if self._pipeline is None:
            return None  # nothing is cached before the pipeline exists
        cached = self._cache.get((self._pipeline.settings, prepared.key))
        if cached is None:
            return None
        return cached.model_copy(
            update={"source": "cache", "timings": Timings(total_ms=ms_since(started))}
        )

    def translate(
        self,
        text: str,
        *,
        now: datetime | None = None,
        tz: str | None = None,
        profile: Profile | str | None = None,
        constrain: bool = True,
        explain: bool = False,
        cancel: threading.Event | None = None,
        min_confidence: float | None = None,
    ) -> Translation:
        """Translate one request.

        Raises `UsageError` for bad input (empty, too long, unknown zone or profile)
        and `Cancelled` when `cancel` is set before the model finishes (a search bar
        whose user kept typing); a model that fails yields `valid=False` with `error`.
        Below `min_confidence` the answer is a plain SEARCH of the request's words, with
        a warning naming the answer it replaced (`Translation.replaced`).
        """
        started = time.perf_counter()
        prepared = self.prepare(text, now=now, tz=tz, profile=profile, constrain=constrain)
        return self.answer(
            prepared, explain=explain, cancel=cancel, started=started, min_confidence=min_confidence
        )

    def answer(
        self,
        prepared: Prepared,
        *,
        explain: bool = False,
        cancel: threading.Event | None = None,
        started: float | None = None,
        min_confidence: float | None = None,
    ) -> Translation:
        """Answer a prepared request: without the model when it can, else through the
        pipeline once (`started`: when the request arrived, for its total time)."""
        minimum = None if min_confidence is None else check_confidence(min_confidence)
        if isinstance(prepared, AlreadyRem):
            return self._as_typed(prepared)
        result = None if explain else self._cached(prepared)
        if result is None:
            pipeline = self.pipeline()
            result = pipeline.translate(prepared, explain=explain, cancel=cancel, started=started)
            if result.valid:
                self._cache.put((pipeline.settings, prepared.key), result)
        if minimum is None:
            return result
        return with_fallback(prepared, result, self._catalog, minimum)

    def affinity(self, a: str, b: str, *, constrain: bool = True) -> AffinityResult:
        """How resource text `b` relates to `a` (see `rem_agent.affinity`), on the same
        loaded model. Raises `UsageError` for empty or over-long text."""
        from rem_agent.affinity.judge import score_pair

        return score_pair(self.load(), a, b, constrain=constrain)

    async def atranslate(self, text: str, **kwargs: Any) -> Translation:
        """`translate` without blocking the event loop (the model runs on the agent's
        worker thread, one request at a time)."""
        return await self._worker.call(functools.partial(self.translate, text, **kwargs))
