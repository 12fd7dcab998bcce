"""Grammar constraints shared by the engines: compiled llguidance matchers, cached.

The decode loop (`engines.decode`) takes a fresh matcher per request from the engine's
`GrammarCache`: a cheap `deep_copy` of one compiled once, instead of compiling the
grammar against the 150k-token vocabulary again.
"""

from __future__ import annotations

import json
from typing import Any

import llguidance
from pydantic import BaseModel

from rem_agent.engines.closing import Closer
from rem_agent.errors import RemAgentError
from rem_agent.lru import LRU


class GrammarCacheInfo(BaseModel):
    """How the compiled-grammar cache has been used."""

    hits: int
    misses: int
    size: int
    maxsize: int


class GrammarCache:
    """Compiled llguidance matchers keyed by grammar text, least recently used evicted first.

    An engine owns one: compiling a grammar against a 150k-token vocabulary costs
    milliseconds to seconds, while copying a compiled matcher is cheap.
    """

    def __init__(self, tokenizer: llguidance.LLTokenizer, maxsize: int = 16) -> None:
        if maxsize < 1:
            raise ValueError("the grammar cache needs room for at least one grammar")
        self._tokenizer = tokenizer
        self.closer = Closer(tokenizer)  # the decode loop's closings for this vocabulary
        self._compiled: LRU[tuple[str, str], llguidance.LLMatcher] = LRU(maxsize)

    @property
    def tokenizer(self) -> llguidance.LLTokenizer:
        """The vocabulary the grammars are compiled against."""
        return self._tokenizer

    def info(self) -> GrammarCacheInfo:
        c = self._compiled
        return GrammarCacheInfo(hits=c.hits, misses=c.misses, size=len(c), maxsize=c.maxsize)

    def matcher(
        self, *, grammar: str | None = None, json_schema: dict[str, Any] | None = None
    ) -> llguidance.LLMatcher:
        """A fresh matcher, at its start state, for a Lark grammar or a JSON schema."""
        if (grammar is None) == (json_schema is None):
            raise ValueError("give exactly one of grammar and json_schema")
        # Not sort_keys: property order is part of a schema (the model writes keys in that
        # order), so two orders are two grammars.
        key = ("lark", grammar) if grammar is not None else ("json_schema", json.dumps(json_schema))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(*key)
            self._compiled.put(key, compiled)
        return compiled.deep_copy()

    def _compile(self, kind: str, text: str) -> llguidance.LLMatcher:
        what = "grammar" if kind == "lark" else "JSON schema"
        try:
            if kind == "lark":
                spec = llguidance.LLMatcher.grammar_from_lark(text)
            else:
                # Compact JSON by default: free whitespace costs tokens and lets a weak
                # model ramble; a schema's own "x-guidance" options still win.
                spec = llguidance.LLMatcher.grammar_from_json_schema(
                    text, defaults={"whitespace_flexible": False}
                )
        except ValueError as exc:
            raise RemAgentError(f"the {what} is not valid: {exc}") from exc
        matcher = llguidance.LLMatcher(self._tokenizer, spec, log_level=0, limits=parser_limits())
        if matcher.is_error():
            raise RemAgentError(f"the {what} does not compile: {matcher.get_error()}")
        return matcher


# The p8fs profile's literal terminals intersect a request's words with the complement of
# p8fs's refused words (`& ~/.*update.*/`). With a few such words that exceeds llguidance's
# default lexer fuel (1M) and the grammar fails to compile ("lexer precomputation failed"),
# or a decoding step runs out ("too many expressions constructed": with 2M per step, the
# any-text value after `mime_type = '` in "pdfs uploaded last week", p8fs). A step of that
# value takes about 30 ms at 20M. These bound work; they are not spent up front: every dev
# request's grammar still compiles in about 25 ms.
INITIAL_LEXER_FUEL = 20_000_000
STEP_LEXER_FUEL = 20_000_000
MAX_LEXER_STATES = 1_000_000


def parser_limits() -> llguidance.LLParserLimits:
    return llguidance.LLParserLimits(
        initial_lexer_fuel=INITIAL_LEXER_FUEL,
        step_lexer_fuel=STEP_LEXER_FUEL,
        max_lexer_states=MAX_LEXER_STATES,
    )
