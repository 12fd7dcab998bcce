"""One request through the model, top to bottom: the path every face ends on.

    ForModel (request.prepare: texts, screen, dates and their intervals, key)
      → prompt       prompts.CatalogPrompts.build  few-shot, or compact for an adapter
      → decode spec  spec.decode_spec              what this request lets the model write
      → grammar      rem.decode_grammar            the spec in the holes of grammar/rem.decode.lark
      → decode       engine.generate               under the grammar (engines.decode)
      → check        rem.check.check_rem           parse, validate, canonical REM
      → retry        once, without SEARCH, when review.needs_retry
      → Translation  translation.translation, with review.warnings_for

`Pipeline` is built once, when the agent loads, and holds what stays the same between
requests: the engine, the prompts, the catalog and its `PipelineSettings`. It does no
I/O of its own: the engine does the decoding. Variants (prompt style, narrowing, budget,
jump-forward) are settings, so a bench compares them by building agents that differ in
them, and the answer cache keys on them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from rem_agent.engines.base import Engine, Generation
from rem_agent.errors import RemAgentError, UsageError
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.check import CheckResult, check_rem
from rem_agent.rem.decode_grammar import decode_grammar
from rem_agent.rem.decode_spec import DecodeSpec
from rem_agent.translate.confidence import Calibration, confidence, fallback_query
from rem_agent.translate.prompts import BuiltPrompt, CatalogPrompts, PromptStyle
from rem_agent.translate.request import ForModel
from rem_agent.translate.review import needs_retry, warnings_for
from rem_agent.translate.spec import NARROW_ALL, Narrowing, decode_spec
from rem_agent.translate.translation import (
    Answerer,
    Explain,
    Timings,
    Translation,
    ms_since,
    translation,
)

DEFAULT_MAX_TOKENS = 160


class Cancelled(RemAgentError):
    """The caller gave up on the request (its cancel event was set)."""


class PipelineSettings(BaseModel):
    """Everything besides the request that decides its answer (so the cache keys on it)."""

    model_config = ConfigDict(frozen=True)

    style: PromptStyle = "few-shot"
    narrowing: Narrowing = NARROW_ALL
    max_tokens: int = DEFAULT_MAX_TOKENS
    jump_forward: bool = True  # engines.decode: forced tokens appended in one batch
    no_repeat: bool = True  # engines.decode: verbatim repeats undone


@dataclass(frozen=True)
class Pipeline:
    engine: Engine  # loaded
    prompts: CatalogPrompts  # the prompt library, validated for the catalog
    settings: PipelineSettings = field(default_factory=PipelineSettings)
    calibration: Calibration | None = None  # the adapter's, from its folder

    @property
    def catalog(self) -> Catalog:
        return self.prompts.catalog

    @property
    def answerer(self) -> Answerer:
        return Answerer.of(self.engine.info())

    def prompt(self, prepared: ForModel) -> BuiltPrompt:
        opts = prepared.options
        return self.prompts.build(
            prepared.text,
            prepared.intervals,
            profile=opts.profile,
            k=opts.examples,
            style=self.settings.style,
        )

    def spec(self, prepared: ForModel) -> DecodeSpec | None:
        """What the model may write for this request (None: unconstrained)."""
        if not prepared.options.constrain:
            return None
        return decode_spec(prepared, catalog=self.catalog, narrowing=self.settings.narrowing)

    def translate(
        self,
        prepared: ForModel,
        *,
        explain: bool = False,
        cancel: threading.Event | None = None,
        started: float | None = None,
    ) -> Translation:
        """Translate a prepared request with the model. Raises `Cancelled` when `cancel` is
        set first; a model that fails gives `valid=False` with `error`. `started`: when
        the request arrived (`time.perf_counter()`), for its total time."""
        started = time.perf_counter() if started is None else started
        if cancel is not None and cancel.is_set():
            raise Cancelled("the request was cancelled before the model started")
        prompt = self.prompt(prepared)
        spec = self.spec(prepared)
        grammar = decode_grammar(spec) if spec is not None else None
        generation = self._decode(prompt, grammar, cancel)
        if isinstance(generation, str):
            return self._failed(prepared, generation, started)
        prompt_tokens = generation.stats.prompt_tokens
        checked = self._check(generation, prepared)
        first_answer = None
        if spec is not None and needs_retry(checked, self.catalog):
            # A filter dressed as a search: decode again with SEARCH off (the prompt is
            # in the engine's cache, so this costs only the new answer's tokens).
            grammar = decode_grammar(spec.model_copy(update={"search": False}))
            first_answer = generation.text
            second = self._decode(prompt, grammar, cancel)
            if isinstance(second, str):
                return self._failed(prepared, second, started)
            generation = second.model_copy(update={"stats": generation.stats.then(second.stats)})
            checked = self._check(generation, prepared)
        shown = (
            Explain(
                prompt_style=self.settings.style,
                examples=[e.request for e in prompt.examples],
                prompt_tokens=prompt_tokens,
                grammar_chars=len(grammar or ""),
                raw_output=generation.text,
                first_answer=first_answer,
            )
            if explain
            else None
        )
        return self._answer(prepared, generation, checked, started, shown)

    def _decode(
        self, prompt: BuiltPrompt, grammar: str | None, cancel: threading.Event | None
    ) -> Generation | str:
        """The model's answer, or why the model failed (a decode's failure is this
        request's, not the caller's; `Cancelled` and a bug anywhere else propagate)."""
        settings = self.settings
        try:
            return self.engine.generate(
                prompt.messages,
                grammar=grammar,
                max_tokens=settings.max_tokens,
                prefix_messages=prompt.static_messages,
                jump_forward=settings.jump_forward,
                no_repeat=settings.no_repeat,
                cancel=cancel,
            )
        except (UsageError, Cancelled):
            raise
        except Exception as exc:
            return f"the model failed: {type(exc).__name__}: {exc}"

    def _failed(self, prepared: ForModel, error: str, started: float) -> Translation:
        timings = Timings(total_ms=ms_since(started))
        return translation(prepared, None, by=self.answerer, timings=timings, error=error)

    def _check(self, generation: Generation, prepared: ForModel) -> CheckResult:
        return check_rem(
            generation.text.strip(), profile=prepared.options.profile, catalog=self.catalog
        )

    def _answer(
        self,
        prepared: ForModel,
        generation: Generation,
        checked: CheckResult,
        started: float,
        explain: Explain | None,
    ) -> Translation:
        timings = Timings(total_ms=ms_since(started), decode=generation.stats)
        if not checked.valid:
            why = (
                "the output was cut off at the token limit"
                if generation.stop_reason == "length"
                else checked.errors[0].message
                if checked.errors
                else "it does not parse"
            )
            return translation(
                prepared,
                None,
                by=self.answerer,
                timings=timings,
                explain=explain,
                error=f"the model's answer is not valid REM ({why}): {generation.text.strip()!r}",
            )
        return translation(
            prepared,
            checked.canonical,
            by=self.answerer,
            statement=checked.statement,
            timings=timings,
            warnings=warnings_for(prepared, checked, generation.stats),
            explain=explain,
            confidence=confidence(generation.stats, self.calibration),
        )


def with_fallback(
    prepared: ForModel, result: Translation, catalog: Catalog, minimum: float
) -> Translation:
    """`result`, or the plain search of the request's words when its confidence is below
    `minimum` (a search bar that should not run a query it cannot trust)."""
    if not result.valid or result.confidence >= minimum or result.query is None:
        return result
    query = fallback_query(prepared.text.searchable, prepared.options.profile, catalog)
    if query is None:
        note = f"low confidence ({result.confidence:.2f} < {minimum:g}), and no words to search for"
        return result.model_copy(update={"warnings": [*result.warnings, note]})
    note = (
        f"low confidence ({result.confidence:.2f} < {minimum:g}): {result.query!r} was "
        "replaced by a plain search of the request's words"
    )
    return result.model_copy(
        update={
            "query": query,
            "statement": "SEARCH",
            "replaced": result.query,
            "warnings": [*result.warnings, note],
        }
    )
