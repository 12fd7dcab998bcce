"""The MLX engine: mlx-lm weights, decoded by the shared loop (`engines.decode`).

Runs on Apple Silicon (Metal) and on Linux CPU (`mlx[cpu]`). The engine gives the loop a
session on an mlx-lm KV cache instead of using `mlx_lm.generate_step`, because that one
computes the step after the end-of-turn token before it hands the token over (one wasted
forward pass per request, half a second on CPU), and cannot append the grammar's forced
tokens in one batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rem_agent.engines.base import (
    ChatMessage,
    DecodeParams,
    EngineChoice,
    ProgressFn,
    common_prefix_len,
)
from rem_agent.engines.local import DEFAULT_GRAMMAR_CACHE, LocalEngine
from rem_agent.errors import RemAgentError
from rem_agent.lru import LRU
from rem_agent.models.adapters import Adapter

if TYPE_CHECKING:
    from rem_agent.engines.decode import Logits

# A few distinct static prefixes (system prompt + few-shot examples) per process is the
# norm; each snapshot costs layers x 2 x prefix tokens x KV width.
DEFAULT_PREFIX_SNAPSHOTS = 4
PREFILL_STEP = 512
# MLX's CPU back-end multiplies float16 matrices much slower than bfloat16 (measured on
# the 0.5B here: decode 0.6 vs 1.3-2.2 tok/s, prefill 5-8 vs 14 tok/s, same greedy text),
# so float16 weights are cast when Metal is absent. Same memory; Metal keeps float16.
CPU_DTYPE = "bfloat16"

KVSnapshot = list[tuple[Any, Any, int]]


def metal_available() -> bool:
    """True where MLX has its Metal back-end (Apple Silicon)."""
    import mlx.core as mx

    try:
        return bool(mx.metal.is_available())
    except (AttributeError, RuntimeError):
        return False


class MlxEngine(LocalEngine):
    """An `Engine` on an MLX model directory (config.json, safetensors, tokenizer files)."""

    name = "mlx"
    label = "MLX"

    def __init__(
        self,
        model_path: Path | str,
        *,
        model_name: str | None = None,
        grammar_cache_size: int = DEFAULT_GRAMMAR_CACHE,
        prefix_snapshots: int = DEFAULT_PREFIX_SNAPSHOTS,
        cpu_dtype: str | None = CPU_DTYPE,
        adapter: Adapter | None = None,
        choice: EngineChoice | None = None,
    ) -> None:
        super().__init__(
            model_path,
            model_name=model_name or Path(model_path).name,
            adapter=adapter,
            choice=choice,
            grammar_cache_size=grammar_cache_size,
        )
        self._max_snapshots = max(0, prefix_snapshots)
        self._cpu_dtype = cpu_dtype
        self._model: Any = None
        self._tokenizer: Any = None  # mlx_lm TokenizerWrapper
        self._stop_ids: frozenset[int] = frozenset()
        self._snapshots: LRU[tuple[int, ...], KVSnapshot] = LRU(self._max_snapshots)

    # -- loading -----------------------------------------------------------------------

    def _preflight(self) -> None:
        if not (self.model_path / "config.json").is_file():
            raise RemAgentError(f"no MLX model at {self.model_path} (config.json missing)")

    def _load(self, progress: ProgressFn | None) -> Any:
        from mlx_lm import load as mlx_load
        from outlines.backends.llguidance import LLGuidanceBackend
        from outlines.models.mlxlm import MLXLM

        adapter_path = None
        if self.adapter is not None:
            self.adapter.verify("mlx")
            adapter_path = str(self.adapter.mlx_dir)
        try:
            # mlx_lm.load returns (model, tokenizer) unless asked for the config too.
            model, tokenizer = mlx_load(  # type: ignore[misc]
                str(self.model_path), adapter_path=adapter_path
            )
        except (OSError, ValueError) as exc:
            raise RemAgentError(f"cannot load MLX model {self.model_path}: {exc}") from exc
        self._cast_for_cpu(model)
        # outlines builds the llguidance tokenizer the same way it would for its own
        # MLXLM generator, so grammars see exactly the vocabulary outlines expects.
        llg_tokenizer = LLGuidanceBackend(MLXLM(model, tokenizer)).llg_tokenizer
        hf = tokenizer._tokenizer
        # The turn ends at the tokenizer's EOS tokens, or at any special token: a
        # control token inside an assistant turn means the model is leaving the turn.
        stop = set(tokenizer.eos_token_ids) | set(llg_tokenizer.eos_tokens)
        stop |= set(hf.all_special_ids)
        stop |= {i for i, t in hf.added_tokens_decoder.items() if t.special}
        self._tokenizer = tokenizer
        self._stop_ids = frozenset(stop)
        self._model = model
        return llg_tokenizer

    def _cast_for_cpu(self, model: Any) -> None:
        import mlx.core as mx

        if self._cpu_dtype is None or metal_available():
            return
        target = getattr(mx, self._cpu_dtype)
        model.set_dtype(target, predicate=lambda dtype: dtype == mx.float16)

    # -- text <-> tokens ---------------------------------------------------------------

    def encode(self, text: str) -> list[int]:
        tok = self._tokenizer
        # As mlx_lm does: add BOS only if the rendered text does not already carry it.
        add_special = tok.bos_token is None or not text.startswith(tok.bos_token)
        return list(tok.encode(text, add_special_tokens=add_special))

    def _render(self, messages: list[ChatMessage], *, generation_prompt: bool) -> str:
        hf = self._tokenizer._tokenizer
        if not getattr(hf, "chat_template", None):
            raise RemAgentError(f"{self.model_name} has no chat template")
        return hf.apply_chat_template(
            [m.model_dump() for m in messages],
            tokenize=False,
            add_generation_prompt=generation_prompt,
        )

    def render_chat(self, messages: list[ChatMessage]) -> str:
        self._require_loaded()
        return self._render(messages, generation_prompt=True)

    # -- KV cache of static prefixes -----------------------------------------------------

    def clear_prompt_cache(self) -> None:
        """Forget every cached prefix: the next request prefills its whole prompt."""
        with self._lock:
            self._snapshots.clear()

    def _static_prefix_len(self, messages: list[ChatMessage], tokens: list[int], n: int) -> int:
        """How many leading prompt tokens belong to the first `n` (static) messages."""
        if n <= 0 or self._max_snapshots == 0:
            return 0
        n = min(n, len(messages))
        prefix = self.encode(self._render(messages[:n], generation_prompt=False))
        # At least one token must be left to prefill: it yields the first logits.
        return min(common_prefix_len(prefix, tokens), len(tokens) - 1)

    def _cache_from(self, tokens: list[int], static_len: int) -> tuple[list[Any], int, int]:
        """A KV cache for `tokens`: (cache, tokens already in it, tokens reused from before).

        It starts from the longest remembered snapshot that prefixes `tokens`; failing
        that, the static prefix is prefilled and remembered for the next request.
        """
        from mlx_lm.models.cache import KVCache, make_prompt_cache

        cache = make_prompt_cache(self._model)
        if not all(type(c) is KVCache for c in cache):
            return cache, 0, 0  # rotating/quantised caches: no snapshots, plain prefill
        best: tuple[int, ...] | None = None
        for key in self._snapshots:
            longer = best is None or len(key) > len(best)
            if longer and len(key) < len(tokens) and tuple(tokens[: len(key)]) == key:
                best = key
        if best is None and static_len > 0:
            self._prefill(cache, tokens[:static_len])
            best = tuple(tokens[:static_len])
            self._remember(best, cache)
            return cache, static_len, 0  # built now: this request paid for it
        if best is None:
            return cache, 0, 0
        snapshot = self._snapshots.get(best)  # a hit: now the most recent
        assert snapshot is not None  # the engine lock is held: nothing evicted it
        for c, (keys, values, offset) in zip(cache, snapshot, strict=True):
            # The snapshot is exactly `offset` long, so the first write grows a new buffer
            # and never touches the snapshot's arrays.
            c.state = (keys, values, offset)
        return cache, len(best), len(best)

    def _remember(self, key: tuple[int, ...], cache: list[Any]) -> None:
        import mlx.core as mx

        snap = [(c.keys[..., : c.offset, :], c.values[..., : c.offset, :], c.offset) for c in cache]
        mx.eval([a for keys, values, _ in snap for a in (keys, values)])
        self._snapshots.put(key, snap)

    def _prefill(self, cache: list[Any], tokens: list[int]) -> None:
        """Run `tokens` through the model into `cache`, without computing their logits."""
        import mlx.core as mx

        for start in range(0, len(tokens), PREFILL_STEP):
            chunk = mx.array(tokens[start : start + PREFILL_STEP])[None]
            self._model(chunk, cache=cache)  # logits stay lazy and are never evaluated
            mx.eval([c.state for c in cache])

    # -- generation --------------------------------------------------------------------

    def _detokenize(self, tokens: list[int]) -> str:
        return str(self._tokenizer._tokenizer.decode(tokens, skip_special_tokens=False))

    def _ends_turn(self, token: int) -> bool:
        return token in self._stop_ids

    def _session(
        self, messages: list[ChatMessage], tokens: list[int], params: DecodeParams
    ) -> _MlxSession:
        static_len = self._static_prefix_len(messages, tokens, params.prefix_messages)
        return _MlxSession(self, static_len)


class _MlxSession:
    """A request's KV cache, started from the longest remembered static-prefix snapshot."""

    def __init__(self, engine: MlxEngine, static_len: int) -> None:
        self._engine = engine
        self._static_len = static_len
        self._cache: list[Any] = []

    def prefill(self, tokens: list[int]) -> tuple[Logits, int]:
        engine = self._engine
        self._cache, in_cache, cached = engine._cache_from(tokens, self._static_len)
        engine._prefill(self._cache, tokens[in_cache:-1])
        return self.feed(tokens[-1:]), cached

    def rewind(self, n: int) -> None:
        for layer in self._cache:
            layer.trim(n)

    def feed(self, tokens: list[int]) -> Logits:
        import mlx.core as mx

        logits = self._engine._model(mx.array(tokens)[None], cache=self._cache)[0, -1, :]
        return np.array(logits.astype(mx.float32))
