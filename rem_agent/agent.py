"""RemAgent: search-bar text in, one valid REM query out.

The one place the pipeline is assembled; every face (CLI, REPL, HTTP) calls it:

    text → dates (resolve) → prompt (system + similar examples + request)
         → grammar (profile, catalog, only the resolved dates)
         → engine (decode under the grammar) → check (parse, validate, canonical)
         → Translation
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rem_agent.dates import DateRange, DateResolution, Unresolved, WeekStart, resolve_dates
from rem_agent.engines.base import Engine, Generation, GenerationStats
from rem_agent.errors import RemAgentError, UsageError
from rem_agent.prompts import PromptLibrary, PromptStyle
from rem_agent.rem import ast
from rem_agent.rem.catalog import Catalog, default_catalog
from rem_agent.rem.check import CheckResult, check_rem
from rem_agent.rem.grammar import decode_grammar
from rem_agent.rem.profile import Profile, parse_profile
from rem_agent.rem.render import render
from rem_agent.request_spec import decode_spec, search_without_topic, where_unsayable
from rem_agent.screen import screen_request

if TYPE_CHECKING:
    from rem_agent.affinity import AffinityResult

MAX_REQUEST_CHARS = 1000
DEFAULT_EXAMPLES = 4
DEFAULT_MAX_TOKENS = 160
_STATEMENT_START = re.compile(rf"^\s*({'|'.join(ast.STATEMENT_KEYWORDS)})\b", re.IGNORECASE)

Source = Literal["model", "rem", "cache"]


class Cancelled(RemAgentError):
    """The caller gave up on the request (its cancel event was set)."""


class DateInfo(BaseModel):
    text: str
    start: str | None
    end: str | None


class Timings(BaseModel):
    total_ms: float = 0.0
    prefill_tokens: int = 0
    cached_prompt_tokens: int = 0
    generated_tokens: int = 0
    forced_tokens: int = 0  # of the generated: forced by the grammar, no model step of their own
    repeats_undone: int = 0  # verbatim repeats the decoder undid (engines.decode)
    tokens_per_s: float = 0.0


class Explain(BaseModel):
    """What `--explain` shows: why the model saw what it saw."""

    prompt_style: str = "few-shot"
    examples: list[str] = []
    prompt_tokens: int = 0
    grammar_chars: int = 0
    raw_output: str | None = None
    # The answer decoded first, when it was a SEARCH without a topic and was decoded again.
    first_answer: str | None = None


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


class TranslateOptions(BaseModel):
    """Per-request settings; defaults come from the agent."""

    now: datetime | None = None
    tz: str = "UTC"
    week_start: WeekStart = "monday"
    profile: Profile = Profile.REM
    constrain: bool = True
    examples: int = DEFAULT_EXAMPLES


class Prepared(BaseModel):
    """A request after the steps that need no model (see `RemAgent.prepare`)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str
    options: TranslateOptions
    key: tuple[Any, ...]
    resolution: DateResolution | None = None
    rem: str | None = None  # the input was already valid REM: this is its canonical form
    statement: str | None = None


def clean_request(text: str) -> str:
    """Strip control characters and outer space; refuse empty or over-long input."""
    if not isinstance(text, str):
        raise UsageError("the request must be text")
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in text
        if unicodedata.category(ch) != "Cf"
    )
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if not cleaned:
        raise UsageError("the request is empty: type what you are looking for")
    if len(cleaned) > MAX_REQUEST_CHARS:
        raise UsageError(
            f"the request is {len(cleaned)} characters long; the limit is {MAX_REQUEST_CHARS}"
        )
    return cleaned


class RemAgent:
    """Translates requests with one loaded model; safe to share between threads.

    The engine is created and loaded on first use (or by `load()`), once per
    agent. Translations are kept in a bounded LRU cache keyed by everything
    that decides the answer: the text, its resolved dates, profile and mode.
    """

    def __init__(
        self,
        *,
        engine: str = "auto",
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
        self._engine: Engine | None = engine_instance
        self._on_status = on_status
        self._load_lock = threading.Lock()
        self._loaded = False
        self._engine_lock = threading.Lock()
        self._cache: OrderedDict[tuple[object, ...], Translation] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    # -- the model --------------------------------------------------------

    @property
    def engine(self) -> Engine:
        with self._engine_lock:
            if self._engine is None:
                from rem_agent.engines.select import create_engine

                self._engine = create_engine(
                    self.engine_request,  # type: ignore[arg-type]
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

    def options(self, **overrides: object) -> TranslateOptions:
        values: dict[str, object] = {
            "tz": self.tz,
            "week_start": self.week_start,
            "profile": self.profile,
            "examples": self.examples,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "profile" in overrides and overrides["profile"] is not None:
            values["profile"] = parse_profile(overrides["profile"])  # type: ignore[arg-type]
        return TranslateOptions(**values)

    def prepare(
        self,
        text: str,
        *,
        now: datetime | None = None,
        tz: str | None = None,
        profile: Profile | str | None = None,
        constrain: bool = True,
    ) -> Prepared:
        """Everything decided before the model: clean text, options, dates, cache key.

        Raises `UsageError` for bad input. `Prepared.key` identifies the answer: two
        requests with equal keys get the same translation (servers coalesce on it).
        """
        opts = self.options(now=now, tz=tz, profile=profile, constrain=constrain)
        request = clean_request(text)
        if _STATEMENT_START.match(request):
            checked = check_rem(request, profile=opts.profile, catalog=self.catalog)
            if checked.valid:
                return Prepared(
                    text=request,
                    options=opts,
                    rem=checked.canonical,
                    statement=checked.statement,
                    key=("rem", checked.canonical),
                )
        problem = screen_request(request, self.catalog).problem  # only a keyword, or a payload
        if problem:
            raise UsageError(problem)
        resolution = resolve_dates(request, now=opts.now, tz=opts.tz, week_start=opts.week_start)
        key = (
            request,
            opts.tz,
            opts.profile,
            opts.constrain,
            opts.examples,
            _range_key(resolution),
        )
        return Prepared(text=request, options=opts, resolution=resolution, key=key)

    def answer_without_model(self, prepared: Prepared) -> Translation | None:
        """The answer when no model is needed (input already REM, or a cached repeat)."""
        started = time.perf_counter()
        if prepared.rem is not None:
            return self._translation(
                prepared.rem,
                prepared.options,
                source="rem",
                statement=prepared.statement,
                started=started,
            )
        cached = self._cache_get(prepared.key)
        if cached is None:
            return None
        return cached.model_copy(
            update={"source": "cache", "timings": Timings(total_ms=_ms_since(started))}
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
        prepared = self.prepare(text, now=now, tz=tz, profile=profile, constrain=constrain)
        return self.run(prepared, explain=explain, cancel=cancel)

    def run(
        self,
        prepared: Prepared,
        *,
        explain: bool = False,
        cancel: threading.Event | None = None,
    ) -> Translation:
        """Answer a prepared request: without the model when it can, else the pipeline once."""
        started = time.perf_counter()
        quick = self.answer_without_model(prepared)
        if quick is not None and not (explain and quick.source == "cache"):
            return quick
        assert prepared.resolution is not None
        result = self._run_model(
            prepared.text,
            prepared.resolution,
            prepared.options,
            started,
            explain=explain,
            cancel=cancel,
        )
        if result.valid:
            self._cache_put(prepared.key, result)
        return result

    def affinity(self, a: str, b: str, *, constrain: bool = True) -> AffinityResult:
        """How resource text `b` relates to `a` (see `rem_agent.affinity`), on the same
        loaded model. Raises `UsageError` for empty or over-long text."""
        from rem_agent.affinity import score_pair

        return score_pair(self.load(), a, b, constrain=constrain)

    async def atranslate(self, text: str, **kwargs: object) -> Translation:
        """`translate` without blocking the event loop (the model runs in a worker thread)."""
        return await asyncio.to_thread(self.translate, text, **kwargs)  # type: ignore[arg-type]

    # -- steps --------------------------------------------------------------

    def _run_model(
        self,
        request: str,
        resolution: DateResolution,
        opts: TranslateOptions,
        started: float,
        *,
        explain: bool,
        cancel: threading.Event | None = None,
    ) -> Translation:
        if cancel is not None and cancel.is_set():
            raise Cancelled("the request was cancelled before the model started")
        engine = self.load()
        prompt = self.prompts.build(
            request,
            resolution,
            catalog=self.catalog,
            profile=opts.profile,
            k=opts.examples,
            style=self.prompt_style,
        )
        spec = (
            decode_spec(request, resolution, catalog=self.catalog, profile=opts.profile)
            if opts.constrain
            else None
        )
        grammar = decode_grammar(spec) if spec is not None else None

        def decode(grammar: str | None) -> Generation:
            return engine.generate(
                prompt.messages,
                grammar=grammar,
                max_tokens=self.max_tokens,
                prefix_messages=prompt.static_messages,
                cancel=cancel,
            )

        first_answer = None
        try:
            generation = decode(grammar)
            prompt_tokens = generation.stats.prompt_tokens
            checked = self._check(generation, opts.profile)
            if (
                spec is not None
                and isinstance(checked.tree, ast.Search)
                and search_without_topic(checked.tree, self.catalog)
            ):
                # A filter dressed as a search: decode again with SEARCH off (the prompt is
                # in the engine's cache, so this costs only the new answer's tokens).
                grammar = decode_grammar(spec.model_copy(update={"search": False}))
                first_answer = generation.text
                generation = _combined(generation, decode(grammar))
                checked = self._check(generation, opts.profile)
        except (UsageError, Cancelled):
            raise
        except Exception as exc:  # a failed decode is this request's failure, not the caller's
            return self._translation(
                None,
                opts,
                resolution=resolution,
                started=started,
                error=f"the model failed: {type(exc).__name__}: {exc}",
            )
        return self._from_generation(
            generation,
            checked,
            request,
            resolution,
            opts,
            started,
            explain=Explain(
                prompt_style=self.prompt_style,
                examples=[e.request for e in prompt.examples],
                prompt_tokens=prompt_tokens,
                grammar_chars=len(grammar or ""),
                raw_output=generation.text,
                first_answer=first_answer,
            )
            if explain
            else None,
        )

    def _check(self, generation: Generation, profile: Profile) -> CheckResult:
        return check_rem(generation.text.strip(), profile=profile, catalog=self.catalog)

    def _from_generation(
        self,
        generation: Generation,
        result: CheckResult,
        request: str,
        resolution: DateResolution,
        opts: TranslateOptions,
        started: float,
        *,
        explain: Explain | None,
    ) -> Translation:
        stats = generation.stats
        timings = Timings(
            total_ms=_ms_since(started),
            prefill_tokens=stats.prompt_tokens - stats.cached_prompt_tokens,
            cached_prompt_tokens=stats.cached_prompt_tokens,
            generated_tokens=stats.generated_tokens,
            forced_tokens=stats.forced_tokens,
            repeats_undone=stats.repeats_undone,
            tokens_per_s=round(stats.tokens_per_s, 2),
        )
        if not result.valid:
            why = (
                "the output was cut off at the token limit"
                if generation.stop_reason == "length"
                else result.errors[0].message
                if result.errors
                else "it does not parse"
            )
            return self._translation(
                None,
                opts,
                resolution=resolution,
                timings=timings,
                explain=explain,
                error=f"the model's answer is not valid REM ({why}): {generation.text.strip()!r}",
            )
        warnings = self._warnings(request, resolution, result.tree, opts)
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
        return self._translation(
            result.canonical,
            opts,
            resolution=resolution,
            statement=result.statement,
            timings=timings,
            warnings=warnings,
            explain=explain,
        )

    def _warnings(
        self,
        request: str,
        resolution: DateResolution,
        tree: ast.Statement | None,
        opts: TranslateOptions,
    ) -> list[str]:
        warnings = [f"could not resolve {u.text!r}: {u.reason}" for u in resolution.unresolved]
        phrases: list[DateRange | Unresolved] = [*resolution.ranges, *resolution.unresolved]
        warnings += [  # a misspelt date word was corrected: say how the phrase was read
            f'read "{p.text}" as "{p.read_as}"' for p in phrases if p.read_as is not None
        ]
        used = _literals(tree)
        for rng in resolution.ranges:
            bounds = {b for b in (rng.start_literal(), rng.end_literal()) if b}
            if not bounds & used:
                where = (
                    "the p8fs profile has no time filter on SEARCH"
                    if opts.profile is Profile.P8FS and isinstance(tree, ast.Search)
                    else "the query does not filter on it"
                )
                warnings.append(f"the time {rng.text!r} is not expressed: {where}")
        screened = screen_request(request, self.catalog)
        warnings += screened.warnings()
        if screened.write_intent:
            warnings.append(
                "REM only reads: this query finds the items; it does not change or delete them"
            )
        query = render(tree, default_table=self.catalog.default_table) if tree else ""
        warnings += [  # words the profile cannot filter on, unless the query says them elsewhere
            f"{phrase!r} is not expressed: {problem.explain(opts.profile.value)}"
            for phrase, problem in where_unsayable(screened.remainder, opts.profile)
            if not re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", query, re.IGNORECASE)
        ]
        return warnings

    def _translation(
        self,
        query: str | None,
        opts: TranslateOptions,
        *,
        source: Source = "model",
        statement: str | None = None,
        resolution: DateResolution | None = None,
        timings: Timings | None = None,
        warnings: list[str] | None = None,
        explain: Explain | None = None,
        error: str | None = None,
        started: float | None = None,
    ) -> Translation:
        engine, model = self.describe() if source == "model" else ("none", "none")
        adapter = self.adapter_name if source == "model" else None
        if timings is None:
            timings = Timings(total_ms=_ms_since(started) if started else 0.0)
        dates = [
            DateInfo(text=r.text, start=r.start_literal(), end=r.end_literal())
            for r in (resolution.ranges if resolution else [])
        ]
        return Translation(
            query=query,
            valid=query is not None,
            profile=opts.profile,
            statement=statement,
            dates=dates,
            warnings=warnings or [],
            engine=engine,
            model=model,
            adapter=adapter,
            source=source,
            constrained=opts.constrain,
            timings=timings,
            error=error,
            explain=explain,
        )

    # -- cache ----------------------------------------------------------------

    def _cache_get(self, key: tuple[object, ...]) -> Translation | None:
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            return hit

    def _cache_put(self, key: tuple[object, ...], value: Translation) -> None:
        if self._cache_size <= 0:
            return
        with self._cache_lock:
            self._cache[key] = value
            self._cache.move_to_end(key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


def _combined(first: Generation, second: Generation) -> Generation:
    """The second answer, with the cost of both decodes."""
    a, b = first.stats, second.stats
    decode_ms = a.decode_ms + b.decode_ms
    generated = a.generated_tokens + b.generated_tokens
    stats = GenerationStats(
        prompt_tokens=a.prompt_tokens + b.prompt_tokens,
        cached_prompt_tokens=a.cached_prompt_tokens + b.cached_prompt_tokens,
        generated_tokens=generated,
        prefill_ms=a.prefill_ms + b.prefill_ms,
        decode_ms=decode_ms,
        total_ms=a.total_ms + b.total_ms,
        tokens_per_s=generated / (decode_ms / 1000) if decode_ms else 0.0,
        forced_tokens=a.forced_tokens + b.forced_tokens,
        model_steps=a.model_steps + b.model_steps,
        dropped_tokens=b.dropped_tokens,  # of the answer given: the second
        closed_tokens=b.closed_tokens,
        repeats_undone=a.repeats_undone + b.repeats_undone,
    )
    return second.model_copy(update={"stats": stats})


def _range_key(resolution: DateResolution) -> tuple[tuple[str | None, str | None], ...]:
    return tuple((r.start_literal(), r.end_literal()) for r in resolution.ranges)


def _literals(tree: ast._Statement | None) -> set[str]:
    where = getattr(tree, "where", None)
    out: set[str] = set()
    for pred in ast.predicates(where):
        for value in ast.values_of(pred):
            if isinstance(value, ast.StringLit):
                out.add(value.value)
    return out


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
