"""What every decoding engine promises: the data it exchanges and the `Engine` protocol."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from rem_agent.engines.constraint import GrammarCache
    from rem_agent.engines.decode import KVSession
    from rem_agent.models.adapters import Adapter

Role = Literal["system", "user", "assistant"]
StopReason = Literal["stop", "length", "cancelled"]
"""`stop`: the model ended its turn (end-of-turn token); `length`: `max_tokens` ran out;
`cancelled`: the caller's cancel event was set (the text is then incomplete)."""

ProgressFn = Callable[[str], None]
EngineName = Literal["mlx", "llamacpp"]
EngineRequest = Literal["auto", "mlx", "llamacpp"]  # what a user may ask for


class EngineChoice(BaseModel):
    """The engine picked for a model, and why (faces show it to people)."""

    model_config = ConfigDict(frozen=True)

    engine: EngineName
    reason: str


class ChatMessage(BaseModel):
    """One chat turn, rendered through the model's own chat template."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str


class GenerationStats(BaseModel):
    """Timings and token counts of one `generate` call.

    `cached_prompt_tokens` of the `prompt_tokens` were served from the KV cache, so only
    `prompt_tokens - cached_prompt_tokens` were prefilled. `tokens_per_s` is the decode
    rate (generated tokens, forced ones included, over decode time).
    """

    prompt_tokens: int = Field(ge=0)
    cached_prompt_tokens: int = Field(ge=0)
    generated_tokens: int = Field(ge=0)
    prefill_ms: float = Field(ge=0)
    decode_ms: float = Field(ge=0)
    total_ms: float = Field(ge=0)
    tokens_per_s: float = Field(ge=0)
    # Of the generated tokens, how many the grammar forced and jump-forward appended
    # without a model step of their own; and the model steps after the prompt.
    forced_tokens: int = Field(default=0, ge=0)
    model_steps: int = Field(default=0, ge=0)
    # At the token limit: tokens undone, and tokens the closer appended to finish the
    # answer (engines.closing); a complete answer in budget has neither.
    dropped_tokens: int = Field(default=0, ge=0)
    closed_tokens: int = Field(default=0, ge=0)
    repeats_undone: int = Field(default=0, ge=0)  # verbatim repeats undone while decoding


class Generation(BaseModel):
    """The text an engine produced (end-of-turn token excluded), with its stats."""

    text: str
    stats: GenerationStats
    stop_reason: StopReason


@runtime_checkable
class Engine(Protocol):
    """A local model that decodes greedily, optionally under a grammar or JSON schema.

    Implementations load their model once (`load` is idempotent), own a bounded cache of
    compiled grammars, keep the KV cache of the static prompt prefix between calls, and
    serialise `generate` with a lock so one model can be shared by threads.
    """

    name: str
    model_name: str
    adapter: Adapter | None  # the LoRA adapter applied to the model, if any

    def load(self, progress: ProgressFn | None = None) -> None:
        """Load the model and tokenizer; a no-op when already loaded."""
        ...

    def count_tokens(self, text: str) -> int:
        """Number of tokens `text` encodes to (special-token text counts as special tokens)."""
        ...

    def render_chat(self, messages: list[ChatMessage]) -> str:
        """The prompt text: the model's chat template applied, generation prompt added."""
        ...

    def generate(
        self,
        messages: list[ChatMessage],
        *,
        grammar: str | None = None,
        json_schema: dict | None = None,
        max_tokens: int = 160,
        prefix_messages: int = 1,
        temperature: float = 0.0,
        seed: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Generation:
        """Decode one assistant turn for `messages`.

        `grammar` is Lark text in llguidance's dialect, `json_schema` a JSON schema; give at
        most one (neither means unconstrained). Decoding is greedy, so results are
        reproducible. The first `prefix_messages` messages are static across requests and
        their KV cache is kept for the next call. `temperature` > 0 samples instead (with
        `seed` for reproducibility: tests use it to fuzz the grammar with random models).
        `cancel`, checked before every token, stops decoding early (a search-bar user who
        kept typing).
        """
        ...


class DecodeParams(BaseModel):
    """How to decode one turn: the keyword arguments of `Engine.generate`, checked."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, extra="forbid")

    grammar: str | None = None
    json_schema: dict | None = None
    max_tokens: int = 160
    prefix_messages: int = 1
    temperature: float = 0.0
    seed: int | None = None
    cancel: threading.Event | None = None

    @classmethod
    def checked(cls, messages: list[ChatMessage], **kwargs: Any) -> DecodeParams:
        """`Engine.generate`'s arguments, or `UsageError` for a call no engine can serve."""
        from rem_agent.errors import UsageError

        params = cls(**kwargs)
        if not messages:
            raise UsageError("generate needs at least one chat message")
        if params.grammar is not None and params.json_schema is not None:
            raise UsageError("give a grammar or a JSON schema, not both")
        if params.max_tokens < 1:
            raise UsageError(f"max_tokens must be at least 1, not {params.max_tokens}")
        if params.temperature < 0:
            raise UsageError(f"temperature must be 0 or more, not {params.temperature}")
        return params

    @property
    def constrained(self) -> bool:
        return self.grammar is not None or self.json_schema is not None

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()


class LocalEngine:
    """What every engine shares: checked arguments, one lock around one model, lazy load,
    and the decode loop (`engines.decode`).

    Subclasses provide `load`, `is_loaded`, `grammar_cache`, `render_chat`, and the
    token-level pieces: `_encode`, `_detokenize`, `_ends_turn` and `_session` (their KV
    cache).
    """

    name: str
    model_name: str
    adapter: Adapter | None = None
    # Append the tokens the grammar forces in one batched step (engines.decode); off,
    # every token costs a model step (the baseline the benchmarks compare against).
    jump_forward: bool = True
    # Undo a verbatim repeat (`x AND x`) and ban its first token there (engines.decode).
    no_repeat: bool = True
    _lock: threading.RLock

    @property
    def is_loaded(self) -> bool:
        raise NotImplementedError

    def load(self, progress: ProgressFn | None = None) -> None:
        raise NotImplementedError

    @property
    def grammar_cache(self) -> GrammarCache:
        raise NotImplementedError

    def render_chat(self, messages: list[ChatMessage]) -> str:
        raise NotImplementedError

    def _encode(self, text: str) -> list[int]:
        raise NotImplementedError

    def _detokenize(self, tokens: list[int]) -> str:
        raise NotImplementedError

    def _ends_turn(self, token: int) -> bool:
        raise NotImplementedError

    def _session(
        self, messages: list[ChatMessage], tokens: list[int], params: DecodeParams
    ) -> KVSession:
        raise NotImplementedError

    def _generate(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        from rem_agent.engines.decode import decode

        started = time.perf_counter()
        matcher = closer = None
        if params.constrained:
            matcher = self.grammar_cache.matcher(
                grammar=params.grammar, json_schema=params.json_schema
            )
            closer = self.grammar_cache.closer
        tokens = self._encode(self.render_chat(messages))
        session = self._session(messages, tokens, params)
        result = decode(
            session,
            tokens,
            params,
            matcher=matcher,
            closer=closer,
            is_stop=self._ends_turn,
            jump_forward=self.jump_forward,
            no_repeat=self.no_repeat,
        )
        n = len(result.tokens)
        return Generation(
            text=self._detokenize(result.tokens),
            stop_reason=result.stop_reason,
            stats=GenerationStats(
                prompt_tokens=result.prompt_tokens,
                cached_prompt_tokens=result.cached_prompt_tokens,
                generated_tokens=n,
                prefill_ms=result.prefill_s * 1000,
                decode_ms=result.decode_s * 1000,
                total_ms=(time.perf_counter() - started) * 1000,
                tokens_per_s=n / result.decode_s if result.decode_s > 0 and n else 0.0,
                forced_tokens=result.forced_tokens,
                model_steps=result.model_steps,
                dropped_tokens=result.dropped_tokens,
                closed_tokens=result.closed_tokens,
                repeats_undone=result.repeats_undone,
            ),
        )

    def _require_loaded(self) -> None:
        if not self.is_loaded:
            self.load()

    def generate(self, messages: list[ChatMessage], **kwargs: Any) -> Generation:
        """See `Engine.generate` (its keyword arguments are `DecodeParams`)."""
        params = DecodeParams.checked(messages, **kwargs)
        with self._lock:
            self._require_loaded()
            return self._generate(messages, params)


def common_prefix_len(a: list[int], b: list[int]) -> int:
    """Length of the longest common prefix of two token lists."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
