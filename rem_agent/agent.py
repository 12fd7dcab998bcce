"""RemAgent: search-bar text in, one valid REM query out; what every face calls.

The agent keeps the settings, the loaded engine and a cache of answers, and hands
each request down one path (read `request.py`, then `pipeline.py`):

    text → request.prepare (clean, screen, dates, key) → cache or REM as typed
         → pipeline.Pipeline.run (prompt, decode spec, grammar, decode, check, retry)
         → translation.Translation
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rem_agent.dates import WeekStart
from rem_agent.engines.base import Engine, EngineRequest
from rem_agent.lru import LRU
from rem_agent.pipeline import DEFAULT_MAX_TOKENS, Cancelled, Pipeline
from rem_agent.prompts import PromptLibrary, PromptStyle
from rem_agent.rem.catalog import Catalog, default_catalog
from rem_agent.rem.profile import Profile, parse_profile
from rem_agent.request import DEFAULT_EXAMPLES, Prepared, TranslateOptions, prepare
from rem_agent.request_spec import NARROW_ALL, Narrowing
from rem_agent.text import MAX_REQUEST_CHARS, clean_request
from rem_agent.translation import Answerer, Timings, Translation, ms_since, translation

if TYPE_CHECKING:
    from rem_agent.affinity import AffinityResult

__all__ = [
    "MAX_REQUEST_CHARS",
    "Cancelled",
    "Prepared",
    "RemAgent",
    "TranslateOptions",
    "Translation",
    "clean_request",
]


class RemAgent:
    """Translates requests with one loaded model; safe to share between threads.

    The engine is created and loaded on first use (or by `load()`), once per
    agent. Translations are kept in a bounded LRU cache keyed by everything
    that decides the answer: the text, its resolved dates, profile and mode.
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
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self.engine_request = engine
        self.model_request = model
        # True: the adapter shipped for the model (if any); False: none; a path: that one.
        self.adapter_request = adapter
        self.catalog = catalog or default_catalog()
        self.profile = parse_profile(profile)
        self.tz = tz
        self.week_start: WeekStart = week_start
        self.examples = examples
        self.max_tokens = max_tokens
        self.prompts = prompts or PromptLibrary()
        self.narrowing = narrowing  # what of the request narrows the grammar (benches vary it)
        self._engine: Engine | None = engine_instance
        self._on_status = on_status
        self._load_lock = threading.Lock()
        self._loaded = False
        self._engine_lock = threading.Lock()
        self._cache: LRU[tuple[object, ...], Translation] = LRU(max(0, cache_size))

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
        """Create and load the engine (once); progress goes to `on_status`."""
        engine = self.engine
        with self._load_lock:
            if not self._loaded:
                engine.load(self._on_status)
                self._loaded = True
                if self._on_status is not None:
                    choice = getattr(engine, "choice", None)
                    why = f" ({choice.reason})" if choice is not None else ""
                    with_adapter = f", adapter {engine.adapter.name}" if engine.adapter else ""
                    self._on_status(
                        f"engine {engine.name}{why}, model {engine.model_name}{with_adapter}"
                    )
        return engine

    @property
    def loaded(self) -> bool:
        return self._loaded

    def describe(self) -> tuple[str, str]:
        """(engine name, model name), without loading anything not yet loaded."""
        if self._engine is None:
            return self.engine_request, self.model_request or "default"
        return self._engine.name, self._engine.model_name

    @property
    def adapter_name(self) -> str | None:
        """The adapter of the engine, once created (None: the base model answers)."""
        adapter = getattr(self._engine, "adapter", None)
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
        return TranslateOptions(
            now=now,
            tz=self.tz if tz is None else tz,
            week_start=self.week_start,
            profile=self.profile if profile is None else parse_profile(profile),
            constrain=constrain,
            examples=self.examples,
        )

    def prepare(
        self,
        text: str,
        *,
        now: datetime | None = None,
        tz: str | None = None,
        profile: Profile | str | None = None,
        constrain: bool = True,
    ) -> Prepared:
        """Everything decided before the model (`request.prepare`). Raises `UsageError`
        for bad input. Requests with equal `Prepared.key` get the same translation."""
        opts = self.options(now=now, tz=tz, profile=profile, constrain=constrain)
        return prepare(text, opts, self.catalog)

    def answer_without_model(self, prepared: Prepared) -> Translation | None:
        """The answer when no model is needed (input already REM, or a cached repeat)."""
        started = time.perf_counter()
        if prepared.rem is not None:
            return translation(
                prepared,
                prepared.rem,
                by=Answerer(),
                source="rem",
                statement=prepared.statement,
                timings=Timings(total_ms=ms_since(started)),
            )
        cached = self._cache.get(prepared.key)
        if cached is None:
            return None
        return cached.model_copy(
            update={"source": "cache", "timings": Timings(total_ms=ms_since(started))}
        )

    def pipeline(self) -> Pipeline:
        """The path a request takes through the loaded model (loads it if need be)."""
        return Pipeline(
            engine=self.load(),
            prompts=self.prompts,
            catalog=self.catalog,
            style=self.prompt_style,
            narrowing=self.narrowing,
            max_tokens=self.max_tokens,
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
    ) -> Translation:
        """Translate one request.

        Raises `UsageError` for bad input (empty, too long, unknown zone or profile)
        and `Cancelled` when `cancel` is set before the model finishes (a search bar
        whose user kept typing); a model that fails yields `valid=False` with `error`.
        """
        started = time.perf_counter()
        prepared = self.prepare(text, now=now, tz=tz, profile=profile, constrain=constrain)
        return self.run(prepared, explain=explain, cancel=cancel, started=started)

    def run(
        self,
        prepared: Prepared,
        *,
        explain: bool = False,
        cancel: threading.Event | None = None,
        started: float | None = None,
    ) -> Translation:
        """Answer a prepared request: without the model when it can, else the pipeline
        once (`started`: when the request arrived, for its total time)."""
        quick = self.answer_without_model(prepared)
        if quick is not None and not (explain and quick.source == "cache"):
            return quick
        result = self.pipeline().run(prepared, explain=explain, cancel=cancel, started=started)
        if result.valid:
            self._cache.put(prepared.key, result)
        return result

    def affinity(self, a: str, b: str, *, constrain: bool = True) -> AffinityResult:
        """How resource text `b` relates to `a` (see `rem_agent.affinity`), on the same
        loaded model. Raises `UsageError` for empty or over-long text."""
        from rem_agent.affinity import score_pair

        return score_pair(self.load(), a, b, constrain=constrain)

    async def atranslate(self, text: str, **kwargs: Any) -> Translation:
        """`translate` without blocking the event loop (the model runs in a worker thread)."""
        return await asyncio.to_thread(functools.partial(self.translate, text, **kwargs))
