"""One request through the model, top to bottom: the path every face ends on.

    Prepared (request.prepare: clean text, screen, dates and their literals, key)
      → prompt       prompts.PromptLibrary.build   few-shot, or compact for an adapter
      → decode spec  request_spec.decode_spec      what this request lets the model write
      → grammar      rem.decode_grammar            the spec in the holes of grammar/rem.decode.lark
      → decode       engine.generate               under the grammar (engines.decode)
      → check        rem.check.check_rem           parse, validate, canonical REM
      → retry        once, without SEARCH, when a SEARCH only named its table or kind
      → Translation  translation.translation / warnings_for

`Pipeline` holds what stays the same between requests and does no I/O of its own: the
engine it is given does the decoding. Variants (prompt style, narrowing, budget) are
its fields, so a bench compares them without patching anything.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from rem_agent.engines.base import Engine, Generation, GenerationStats
from rem_agent.errors import RemAgentError, UsageError
from rem_agent.prompts import BuiltPrompt, PromptLibrary, PromptStyle
from rem_agent.rem import ast
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.check import CheckResult, check_rem
from rem_agent.rem.decode_grammar import decode_grammar
from rem_agent.rem.decode_spec import DecodeSpec
from rem_agent.request import Prepared
from rem_agent.request_spec import NARROW_ALL, Narrowing, decode_spec, search_without_topic
from rem_agent.translation import (
    Answerer,
    Explain,
    Timings,
    Translation,
    ms_since,
    translation,
    warnings_for,
)

DEFAULT_MAX_TOKENS = 160


class Cancelled(RemAgentError):
    """The caller gave up on the request (its cancel event was set)."""


@dataclass(frozen=True)
class Pipeline:
    engine: Engine  # loaded
    prompts: PromptLibrary
    catalog: Catalog
    style: PromptStyle = "few-shot"
    narrowing: Narrowing = NARROW_ALL
    max_tokens: int = DEFAULT_MAX_TOKENS

    @property
    def answerer(self) -> Answerer:
        # Test doubles and engines from elsewhere need not carry the attribute.
        adapter = getattr(self.engine, "adapter", None)
        return Answerer(
            engine=self.engine.name,
            model=self.engine.model_name,
            adapter=adapter.name if adapter is not None else None,
        )

    def prompt(self, prepared: Prepared) -> BuiltPrompt:
        opts = prepared.options
        return self.prompts.build(
            prepared.text,
            prepared.dates,
            without_dates=prepared.without_dates,
            catalog=self.catalog,
            profile=opts.profile,
            k=opts.examples,
            style=self.style,
        )

    def spec(self, prepared: Prepared) -> DecodeSpec | None:
        """What the model may write for this request (None: unconstrained)."""
        if not prepared.options.constrain:
            return None
        return decode_spec(prepared, catalog=self.catalog, narrowing=self.narrowing)

    def run(
        self,
        prepared: Prepared,
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

        def decode(grammar: str | None) -> Generation:
            return self.engine.generate(
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
            checked = self._check(generation, prepared)
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
                checked = self._check(generation, prepared)
        except (UsageError, Cancelled):
            raise
        except Exception as exc:  # a failed decode is this request's failure, not the caller's
            return translation(
                prepared,
                None,
                by=self.answerer,
                timings=Timings(total_ms=ms_since(started)),
                error=f"the model failed: {type(exc).__name__}: {exc}",
            )
        shown = (
            Explain(
                prompt_style=self.style,
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

    def _check(self, generation: Generation, prepared: Prepared) -> CheckResult:
        return check_rem(
            generation.text.strip(), profile=prepared.options.profile, catalog=self.catalog
        )

    def _answer(
        self,
        prepared: Prepared,
        generation: Generation,
        checked: CheckResult,
        started: float,
        explain: Explain | None,
    ) -> Translation:
        timings = Timings.of(generation.stats, started)
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
            warnings=warnings_for(prepared, checked.tree, generation.stats, self.catalog),
            explain=explain,
        )


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
