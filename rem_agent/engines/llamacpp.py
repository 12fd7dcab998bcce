"""The llama.cpp engine: llama-cpp-python on a GGUF, decoded by the shared loop.

Why not `outlines.models.LlamaCpp.generate` or `Llama.generate`: the first calls
`Llama.reset()` after every request, which throws away the KV cache; neither can append
the grammar's forced tokens in one batch. The engine gives `engines.decode` a session on
`Llama.eval`, which appends tokens to the KV cache in one `llama_decode`. Each request
keeps the longest common token prefix with the previous one, so the static system
prompt is prefilled once per process, not once per request.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
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
from rem_agent.models.adapters import Adapter

if TYPE_CHECKING:
    from rem_agent.engines.decode import Logits

DEFAULT_N_CTX = 4096


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
    label = "llama.cpp"

    def __init__(
        self,
        model_path: Path | str,
        *,
        model_name: str | None = None,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        grammar_cache_size: int = DEFAULT_GRAMMAR_CACHE,
        adapter: Adapter | None = None,
        choice: EngineChoice | None = None,
    ) -> None:
        super().__init__(
            model_path,
            model_name=model_name or Path(model_path).stem,
            adapter=adapter,
            choice=choice,
            grammar_cache_size=grammar_cache_size,
        )
        self._n_ctx = n_ctx
        self._n_threads = n_threads or max(1, os.cpu_count() or 1)
        self._llama: Any = None
        self._formatter: Any = None  # llama_cpp Jinja2ChatFormatter
        self._bos_text = ""
        self._vocab: Any = None

    # -- loading -----------------------------------------------------------------------

    def _preflight(self) -> None:
        if not llama_cpp_available():
            raise RemAgentError(
                "the llamacpp engine needs llama-cpp-python: "
                "pip install 'rem-agent[llamacpp]' (or use --engine mlx)"
            )
        if not self.model_path.is_file():
            raise RemAgentError(f"no GGUF model at {self.model_path}")

    def _load(self, progress: ProgressFn | None) -> Any:
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

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
        self._vocab = llama_cpp.llama_model_get_vocab(llama.model)
        self._llama = llama
        return _llg_tokenizer(llama)

    @staticmethod
    def _piece(llama: Any, token: int) -> str:
        return llama.detokenize([token], special=True).decode("utf-8", errors="replace")

    # -- text <-> tokens ---------------------------------------------------------------

    def encode(self, text: str) -> list[int]:
        # BOS only when the vocabulary wants one and the template did not write it.
        add_bos = not (self._bos_text and text.startswith(self._bos_text))
        return self._llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

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

    def _detokenize(self, tokens: list[int]) -> str:
        return self._llama.detokenize(tokens, special=True).decode("utf-8", errors="replace")

    def _session(
        self, messages: list[ChatMessage], tokens: list[int], params: DecodeParams
    ) -> _LlamaSession:
        # `prefix_messages` needs no handling here: llama.cpp keeps the whole previous
        # sequence and the session reuses its longest common prefix, static messages too.
        if len(tokens) + params.max_tokens > self._n_ctx:
            raise RemAgentError(
                f"the prompt ({len(tokens)} tokens) plus {params.max_tokens} new tokens "
                f"does not fit the {self._n_ctx}-token context"
            )
        return _LlamaSession(self._llama)


class _LlamaSession:
    """A request on the engine's one `Llama`: its KV cache holds the previous request's
    sequence, whose longest common prefix with this prompt is kept."""

    def __init__(self, llama: Any) -> None:
        self._llama = llama

    def prefill(self, tokens: list[int]) -> tuple[Logits, int]:
        llama = self._llama
        held = llama.input_ids[: llama.n_tokens].tolist()
        # At least the last prompt token is evaluated again: it yields the first logits.
        common = min(common_prefix_len(held, tokens), len(tokens) - 1)
        llama.n_tokens = common  # `eval` drops the KV cache from here on
        return self.feed(tokens[common:]), common

    def rewind(self, n: int) -> None:
        self._llama.n_tokens -= n  # the next `eval` drops the KV cache from there

    def feed(self, tokens: list[int]) -> Logits:
        import llama_cpp

        llama = self._llama
        llama.eval(tokens)  # one llama_decode per batch; only the last token has logits
        row = llama_cpp.llama_get_logits_ith(llama.ctx, -1)
        return np.ctypeslib.as_array(row, shape=(llama.n_vocab(),)).copy()
