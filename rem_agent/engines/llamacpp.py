"""The llama.cpp engine: llama-cpp-python on a GGUF, outlines' llguidance constraint.

Why not `outlines.models.LlamaCpp.generate`: it calls `Llama.reset()` after every request,
which throws away the KV cache, and it renders chats through llama-cpp-python's chat
handlers. We keep outlines for what constrains decoding (its llguidance logits processor drives the
matcher; the llguidance tokenizer is built the way its backend builds it) and call
`Llama.generate` ourselves.
`Llama.generate` reuses the longest common token prefix with the previous call, so the
static system prompt is prefilled once per process, not once per request.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rem_agent.engines.base import (
    ChatMessage,
    DecodeParams,
    EngineChoice,
    Generation,
    GenerationStats,
    LocalEngine,
    ProgressFn,
    StopReason,
    common_prefix_len,
)
from rem_agent.errors import RemAgentError
from rem_agent.models.adapters import Adapter

if TYPE_CHECKING:  # outlines is imported on load, not with the package
    from rem_agent.engines.constraint import GrammarCache

DEFAULT_N_CTX = 4096
DEFAULT_GRAMMAR_CACHE = 16


def _llg_tokenizer(llama: Any) -> Any:
    """llguidance's view of the GGUF vocabulary, built as outlines' llguidance backend does.

    Called directly rather than through `LLGuidanceBackend(outlines.models.LlamaCpp(...))`
    because that wrapper first walks the vocabulary for a tokenizer we never use (0.4 s).
    """
    import llama_cpp
    import llguidance.llamacpp

    with warnings.catch_warnings():
        # llguidance calls a llama.cpp function deprecated under a new name, once per token.
        warnings.simplefilter("ignore", DeprecationWarning)
        return llguidance.llamacpp.lltokenizer_from_vocab(
            llama_cpp.llama_model_get_vocab(llama.model)
        )


def llama_cpp_available() -> bool:
    """True when llama-cpp-python can be imported."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def without_weight_repacking() -> Iterator[None]:
    """Load with llama.cpp's extra buffer types off (`use_extra_bufts=False`).

    On CPUs with AMX, llama.cpp repacks Q4_K weights into AMX buffers, and decoding from
    them crashes the process (SIGSEGV, seen with llama-cpp-python 0.3.36 on a Xeon with
    amx_int8), with or without a LoRA adapter. llama-cpp-python has no option for it, so
    the default model parameters it starts from are adjusted while it loads.
    """
    import llama_cpp.llama_cpp as low_level

    with _REPACK_LOCK:  # two engines loading at once must not restore each other's patch
        original = low_level.llama_model_default_params

        def defaults() -> Any:
            params = original()
            params.use_extra_bufts = False
            return params

        low_level.llama_model_default_params = defaults
        try:
            yield
        finally:
            low_level.llama_model_default_params = original


_REPACK_LOCK = threading.Lock()


class LlamaCppEngine(LocalEngine):
    """An `Engine` on a GGUF file, run by llama-cpp-python on the CPU."""

    name = "llamacpp"

    def __init__(
        self,
        model_path: Path | str,
        *,
        model_name: str | None = None,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        grammar_cache_size: int = DEFAULT_GRAMMAR_CACHE,
        kv_overrides: dict[str, bool | int | float | str] | None = None,
        adapter: Adapter | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.adapter = adapter
        self.model_name = model_name or self.model_path.stem
        self._n_ctx = n_ctx
        self._n_threads = n_threads or max(1, os.cpu_count() or 1)
        self._grammar_cache_size = grammar_cache_size
        self._kv_overrides = kv_overrides or None
        self._lock = threading.RLock()
        self._llama: Any = None
        self._llg_tokenizer: Any = None
        self._grammars: GrammarCache | None = None
        self._formatter: Any = None  # llama_cpp Jinja2ChatFormatter
        self._bos_text = ""
        self._vocab: Any = None
        self.load_seconds: float | None = None
        self.choice: EngineChoice | None = None  # set by select.create_engine

    # -- loading -----------------------------------------------------------------------

    def load(self, progress: ProgressFn | None = None) -> None:
        with self._lock:
            if self._llama is not None:
                return
            try:
                import llama_cpp
            except ImportError as exc:
                raise RemAgentError(
                    "the llamacpp engine needs llama-cpp-python: "
                    "pip install 'rem-agent[llamacpp]' (or use --engine mlx)"
                ) from exc
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            from rem_agent.engines.constraint import GrammarCache

            if not self.model_path.is_file():
                raise RemAgentError(f"no GGUF model at {self.model_path}")
            started = time.perf_counter()
            if progress:
                progress(f"loading {self.model_name} with llama.cpp from {self.model_path}")
            lora_path = None
            if self.adapter is not None:
                self.adapter.verify("llamacpp")
                lora_path = str(self.adapter.gguf)
                if progress:
                    progress(f"with the adapter {self.adapter.name}")
            try:
                with without_weight_repacking():
                    llama = llama_cpp.Llama(
                        model_path=str(self.model_path),
                        n_ctx=self._n_ctx,
                        n_threads=self._n_threads,
                        n_threads_batch=self._n_threads,
                        kv_overrides=self._kv_overrides,
                        lora_path=lora_path,
                        verbose=False,
                    )
            except (ValueError, RuntimeError, OSError) as exc:
                raise RemAgentError(f"llama.cpp cannot load {self.model_path}: {exc}") from exc
            template = llama.metadata.get("tokenizer.chat_template")
            if not template:
                raise RemAgentError(f"{self.model_name} has no chat template in its GGUF")
            eos_text = self._piece(llama, llama.token_eos())
            bos_id = llama.token_bos()
            self._bos_text = self._piece(llama, bos_id) if bos_id >= 0 else ""
            self._formatter = Jinja2ChatFormatter(template, eos_text, self._bos_text)
            self._llg_tokenizer = _llg_tokenizer(llama)
            self._grammars = GrammarCache(self._llg_tokenizer, self._grammar_cache_size)
            self._vocab = llama_cpp.llama_model_get_vocab(llama.model)
            self._llama = llama
            self.load_seconds = time.perf_counter() - started
            if progress:
                progress(f"loaded {self.model_name} in {self.load_seconds:.1f}s")

    @staticmethod
    def _piece(llama: Any, token: int) -> str:
        return llama.detokenize([token], special=True).decode("utf-8", errors="replace")

    @property
    def is_loaded(self) -> bool:
        return self._llama is not None

    @property
    def grammar_cache(self) -> GrammarCache:
        """The engine's compiled-grammar cache (loads the model if needed)."""
        self._require_loaded()
        assert self._grammars is not None
        return self._grammars

    # -- text <-> tokens ---------------------------------------------------------------

    def _encode(self, text: str) -> list[int]:
        # BOS only when the vocabulary wants one and the template did not write it.
        add_bos = not (self._bos_text and text.startswith(self._bos_text))
        return self._llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

    def count_tokens(self, text: str) -> int:
        self._require_loaded()
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def render_chat(self, messages: list[ChatMessage]) -> str:
        self._require_loaded()
        return self._formatter(messages=[m.model_dump() for m in messages]).prompt

    def _ends_turn(self, token: int) -> bool:
        import llama_cpp

        # A control token inside an assistant turn means the model is leaving the turn.
        is_eog = llama_cpp.llama_vocab_is_eog(self._vocab, token)
        return bool(is_eog or llama_cpp.llama_vocab_is_control(self._vocab, token))

    # -- generation --------------------------------------------------------------------

    def clear_prompt_cache(self) -> None:
        """Forget the KV cache: the next request prefills its whole prompt."""
        with self._lock:
            if self._llama is not None:
                self._llama.reset()

    def _reused_prefix(self, tokens: list[int]) -> int:
        """Prompt tokens `Llama.generate` will take from the KV cache (its own rule)."""
        llama = self._llama
        if llama.n_tokens == 0:
            return 0
        common = common_prefix_len(llama.input_ids[: llama.n_tokens].tolist(), tokens)
        if common < len(tokens):
            return common
        if llama.n_tokens == len(tokens) and not getattr(llama, "_requires_eval", True):
            return len(tokens)  # exact hit: samples from the logits it already holds
        return common - 1  # one token is re-evaluated to get fresh logits

    def _generate(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        # `prefix_messages` needs no handling here: llama.cpp keeps the whole previous
        # sequence and reuses its longest common prefix, the static messages included.
        grammar, json_schema, max_tokens = params.grammar, params.json_schema, params.max_tokens
        from llama_cpp import LogitsProcessorList

        from rem_agent.engines.constraint import GrammarLogitsProcessor

        started = time.perf_counter()
        processors = None
        processor = None
        if grammar is not None or json_schema is not None:
            matcher = self.grammar_cache.matcher(grammar=grammar, json_schema=json_schema)
            processor = GrammarLogitsProcessor(matcher, self._llg_tokenizer, "numpy")
            processors = LogitsProcessorList([processor])

        tokens = self._encode(self.render_chat(messages))
        if len(tokens) + max_tokens > self._n_ctx:
            raise RemAgentError(
                f"the prompt ({len(tokens)} tokens) plus {max_tokens} new tokens "
                f"does not fit the {self._n_ctx}-token context"
            )
        cached = self._reused_prefix(tokens)

        generated: list[int] = []
        stop_reason: StopReason = "length"
        first_at = started
        if params.seed is not None:
            self._llama.set_seed(params.seed)
        stream = self._llama.generate(
            tokens,
            temp=params.temperature,
            repeat_penalty=1.0,
            logits_processor=processors,
            reset=True,
        )
        try:
            for token in stream:
                if params.cancelled():
                    stop_reason = "cancelled"
                    break
                if not generated and first_at == started:
                    first_at = time.perf_counter()
                if self._ends_turn(token):
                    stop_reason = "stop"
                    break
                generated.append(token)
                if len(generated) >= max_tokens:
                    break
        finally:
            stream.close()  # leaves the KV cache holding prompt + fed tokens for reuse
        finished = time.perf_counter()

        if processor is not None and processor.matcher.is_error():
            raise RemAgentError(f"constrained decoding failed: {processor.matcher.get_error()}")
        text = self._llama.detokenize(generated, special=True).decode("utf-8", errors="replace")
        # Every generated token but the last was fed back to produce the next one.
        steps = max(0, len(generated) - (0 if stop_reason == "stop" else 1))
        decode_s = finished - first_at
        return Generation(
            text=text,
            stop_reason=stop_reason,
            stats=GenerationStats(
                prompt_tokens=len(tokens),
                cached_prompt_tokens=cached,
                generated_tokens=len(generated),
                prefill_ms=(first_at - started) * 1000,
                decode_ms=decode_s * 1000,
                total_ms=(finished - started) * 1000,
                tokens_per_s=steps / decode_s if decode_s > 0 and steps else 0.0,
            ),
        )
