"""What every decoding engine promises: the data it exchanges and the `Engine` protocol."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, computed_field

if TYPE_CHECKING:
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


class DecodeStats(BaseModel):
    """How one decode went: token counts and times. The decode loop fills it once; the
    engine adds its `total_ms`; a retry adds two with `then`; `Translation.timings` and
    the eval runner hold it as it is.

    `cached_prompt_tokens` of the `prompt_tokens` were served from the KV cache, so only
    `prefill_tokens` were evaluated. `tokens_per_s` is the decode rate (generated tokens,
    forced ones included, over decode time).
    """

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int = Field(default=0, ge=0)
    cached_prompt_tokens: int = Field(default=0, ge=0)
    generated_tokens: int = Field(default=0, ge=0)
    # Of the generated tokens, how many the grammar forced and jump-forward appended
    # without a model step of their own; and the model steps after the prompt.
    forced_tokens: int = Field(default=0, ge=0)
    model_steps: int = Field(default=0, ge=0)
    # At the token limit: tokens undone, and tokens the closer appended to finish the
    # answer (engines.closing); a complete answer in budget has neither. Both describe the
    # answer given, so `then` keeps the later decode's.
    dropped_tokens: int = Field(default=0, ge=0)
    closed_tokens: int = Field(default=0, ge=0)
    repeats_undone: int = Field(default=0, ge=0)  # verbatim repeats undone while decoding
    # The model's free choices (steps where the grammar allowed more than one token), the
    # sum of the log-probabilities of what it chose and the least of them: the evidence
    # an answer's confidence is computed from. Of the answer given, like the two above.
    choices: int = Field(default=0, ge=0)
    choice_logprob: float = Field(default=0.0, le=0)
    min_choice_logprob: float = Field(default=0.0, le=0)
    prefill_ms: float = Field(default=0.0, ge=0)
    decode_ms: float = Field(default=0.0, ge=0)
    total_ms: float = Field(default=0.0, ge=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def prefill_tokens(self) -> int:
        return self.prompt_tokens - self.cached_prompt_tokens

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tokens_per_s(self) -> float:
        if not self.decode_ms or not self.generated_tokens:
            return 0.0
        return round(self.generated_tokens / (self.decode_ms / 1000), 2)

    def then(self, later: DecodeStats) -> DecodeStats:
        """The cost of this decode and a `later` one, describing the later one's answer."""
        summed = {
            name: getattr(self, name) + getattr(later, name)
            for name in DecodeStats.model_fields
            if name not in _OF_THE_ANSWER
        }
        return later.model_copy(update=summed)


_OF_THE_ANSWER = frozenset(
    {"dropped_tokens", "closed_tokens", "choices", "choice_logprob", "min_choice_logprob"}
)


class Generation(BaseModel):
    """The text an engine produced (end-of-turn token excluded), with its stats."""

    text: str
    stats: DecodeStats
    stop_reason: StopReason


class EngineInfo(BaseModel):
    """What an engine is, for people and for the answers it gives."""

    model_config = ConfigDict(frozen=True)

    name: str
    model: str
    adapter: str | None = None  # the adapter's name
    choice: EngineChoice | None = None  # why this engine (None: given, not chosen)
    load_seconds: float | None = None  # None until loaded

    @classmethod
    def of(cls, engine: Engine, *, load_seconds: float | None = None) -> EngineInfo:
        adapter = engine.adapter
        return cls(
            name=engine.name,
            model=engine.model_name,
            adapter=adapter.name if adapter is not None else None,
            choice=engine.choice,
            load_seconds=load_seconds,
        )

    def describe(self) -> str:
        why = f" ({self.choice.reason})" if self.choice is not None else ""
        with_adapter = f", adapter {self.adapter}" if self.adapter else ""
        return f"engine {self.name}{why}, model {self.model}{with_adapter}"


@runtime_checkable
class Engine(Protocol):
    """A model that decodes one chat turn, optionally under a grammar or a JSON schema.

    Everything a caller may use is here. Local engines (`engines.local.LocalEngine`) load
    their model once (`load` is idempotent), own a bounded cache of compiled grammars,
    keep the KV cache of the static prompt prefix between calls, and serialise `generate`
    with a lock so one model can be shared by threads. A remote engine decodes on its
    server and needs none of that; it satisfies the same protocol.
    """

    name: str
    model_name: str
    adapter: Adapter | None  # the LoRA adapter applied to the model, if any
    choice: EngineChoice | None  # why this engine was picked (None: given, not chosen)

    def load(self, progress: ProgressFn | None = None) -> None:
        """Load the model and tokenizer; a no-op when already loaded."""
        ...

    def info(self) -> EngineInfo:
        """What this engine is, without loading anything."""
        ...

    def render_chat(self, messages: list[ChatMessage]) -> str:
        """The prompt text: the model's chat template applied, generation prompt added."""
        ...

    def clear_prompt_cache(self) -> None:
        """Forget any cached prompt prefix: the next request prefills its whole prompt."""
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
        jump_forward: bool = True,
        no_repeat: bool = True,
        cancel: threading.Event | None = None,
    ) -> Generation:
        """Decode one assistant turn for `messages`; the arguments are `DecodeParams`.

        `grammar` is Lark text in llguidance's dialect, `json_schema` a JSON schema; give at
        most one (neither means unconstrained). Decoding is greedy, so results are
        reproducible. The first `prefix_messages` messages are static across requests and
        their KV cache is kept for the next call. `temperature` > 0 samples instead (with
        `seed` for reproducibility: tests use it to fuzz the grammar with random models).
        `jump_forward` and `no_repeat` switch two decoding steps (see `DecodeParams`).
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
    # Append the tokens the grammar forces in one batched step (engines.decode); off,
    # every token costs a model step (the baseline the benchmarks compare against).
    jump_forward: bool = True
    # Undo a verbatim repeat (`x AND x`) and ban its first token there (engines.decode).
    no_repeat: bool = True
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


def common_prefix_len(a: list[int], b: list[int]) -> int:
    """Length of the longest common prefix of two token lists."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
