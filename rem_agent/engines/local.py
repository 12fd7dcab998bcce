"""`LocalEngine`: what the engines that run a model in this process share.

One lock around one model, a lazy idempotent `load`, the compiled-grammar cache, the
checked arguments of `generate`, and the one decode loop (`engines.decode`). An engine
built on it supplies only the model-specific pieces: loading, the chat template, tokens
to and from text, the end-of-turn test and a `KVSession` on its KV cache.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rem_agent.engines.base import (
    ChatMessage,
    DecodeParams,
    EngineChoice,
    EngineInfo,
    Generation,
    ProgressFn,
)
from rem_agent.engines.decode import KVSession, decode

if TYPE_CHECKING:
    import llguidance

    from rem_agent.engines.constraint import GrammarCache
    from rem_agent.models.adapters import Adapter

DEFAULT_GRAMMAR_CACHE = 16


class LocalEngine(ABC):
    """An `Engine` on a model file or folder at `model_path`, run in this process."""

    name: str
    label: str  # how progress messages name the runtime ("llama.cpp", "MLX")

    def __init__(
        self,
        model_path: Path | str,
        *,
        model_name: str,
        adapter: Adapter | None = None,
        choice: EngineChoice | None = None,
        grammar_cache_size: int = DEFAULT_GRAMMAR_CACHE,
    ) -> None:
        self.model_path = Path(model_path)
        self.model_name = model_name
        self.adapter = adapter
        self.choice = choice
        self.load_seconds: float | None = None
        self._grammar_cache_size = grammar_cache_size
        self._grammars: GrammarCache | None = None
        self._lock = threading.RLock()

    # -- what each engine supplies ----------------------------------------------------

    @abstractmethod
    def _preflight(self) -> None:
        """Raise `RemAgentError` when the model cannot be loaded (a file or package missing)."""

    @abstractmethod
    def _load(self, progress: ProgressFn | None) -> llguidance.LLTokenizer:
        """Load the model; return llguidance's view of its vocabulary."""

    @abstractmethod
    def render_chat(self, messages: list[ChatMessage]) -> str: ...

    @abstractmethod
    def clear_prompt_cache(self) -> None: ...

    @abstractmethod
    def encode(self, text: str) -> list[int]:
        """The prompt text's tokens (special-token text encodes as special tokens)."""

    @abstractmethod
    def _detokenize(self, tokens: list[int]) -> str: ...

    @abstractmethod
    def _ends_turn(self, token: int) -> bool: ...

    @abstractmethod
    def _session(
        self, messages: list[ChatMessage], tokens: list[int], params: DecodeParams
    ) -> KVSession: ...

    # -- shared -----------------------------------------------------------------------

    def load(self, progress: ProgressFn | None = None) -> None:
        from rem_agent.engines.constraint import GrammarCache

        with self._lock:
            if self.is_loaded:
                return
            self._preflight()
            started = time.perf_counter()
            if progress:
                progress(f"loading {self.model_name} with {self.label} from {self.model_path}")
            tokenizer = self._load(progress)
            self._grammars = GrammarCache(tokenizer, self._grammar_cache_size)
            self.load_seconds = time.perf_counter() - started
            if progress:
                progress(f"loaded {self.model_name} in {self.load_seconds:.1f}s")

    @property
    def is_loaded(self) -> bool:
        return self._grammars is not None

    @property
    def grammar_cache(self) -> GrammarCache:
        """The engine's compiled-grammar cache (loads the model if needed)."""
        self._require_loaded()
        assert self._grammars is not None
        return self._grammars

    def info(self) -> EngineInfo:
        return EngineInfo.of(self, load_seconds=self.load_seconds)

    def _require_loaded(self) -> None:
        if not self.is_loaded:
            self.load()

    def generate(self, messages: list[ChatMessage], **kwargs: Any) -> Generation:
        """See `Engine.generate` (its keyword arguments are `DecodeParams`)."""
        params = DecodeParams.checked(messages, **kwargs)
        with self._lock:
            self._require_loaded()
            return self._generate(messages, params)

    def _generate(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        started = time.perf_counter()
        matcher = closer = None
        if params.constrained:
            matcher = self.grammar_cache.matcher(
                grammar=params.grammar, json_schema=params.json_schema
            )
            closer = self.grammar_cache.closer
        tokens = self.encode(self.render_chat(messages))
        session = self._session(messages, tokens, params)
        result = decode(
            session, tokens, params, matcher=matcher, closer=closer, is_stop=self._ends_turn
        )
        total_ms = (time.perf_counter() - started) * 1000
        return Generation(
            text=self._detokenize(result.tokens),
            stop_reason=result.stop_reason,
            stats=result.stats.model_copy(update={"total_ms": total_ms}),
        )
