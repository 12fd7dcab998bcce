"""A scripted engine double for orchestration tests (the real engines have their own tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from rem_agent.engines.base import (
    ChatMessage,
    DecodeParams,
    Generation,
    GenerationStats,
    LocalEngine,
)
from rem_agent.models.adapters import Adapter, AdapterManifest


class ScriptedEngine(LocalEngine):
    """Answers each request with `answer(last_user_message, grammar)`; records every call.

    It goes through `LocalEngine.generate`, so argument checks and locking are the real ones.
    """

    name = "scripted"
    model_name = "scripted-model"

    def __init__(self, answer: Callable[[str, str | None], str]) -> None:
        self.answer = answer
        self.calls: list[tuple[list[ChatMessage], str | None]] = []
        self.params: list[DecodeParams] = []
        self.loads = 0
        self._lock = threading.RLock()

    @property
    def is_loaded(self) -> bool:
        return self.loads > 0

    def load(self, progress: Callable[[str], None] | None = None) -> None:
        self.loads += 1

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def render_chat(self, messages: list[ChatMessage]) -> str:
        return "\n".join(f"{m.role}: {m.content}" for m in messages)

    def _generate(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        self.calls.append((messages, params.grammar))
        self.params.append(params)
        return fake_generation(self.answer(messages[-1].content, params.grammar))


def fake_generation(text: str) -> Generation:
    """A finished generation of `text` with plausible stats (100 prompt tokens, 60 cached)."""
    stats = GenerationStats(
        prompt_tokens=100,
        cached_prompt_tokens=60,
        generated_tokens=len(text.split()),
        prefill_ms=1.0,
        decode_ms=1.0,
        total_ms=2.0,
        tokens_per_s=50.0,
    )
    return Generation(text=text, stats=stats, stop_reason="stop")


def fake_adapter(name: str = "scripted-rem") -> Adapter:
    """An adapter record for orchestration tests: engines doubles never read its files."""
    manifest = AdapterManifest(
        name=name, base_model="scripted-model", rank=1, alpha=1.0, targets=("q_proj",), sha256={}
    )
    return Adapter(manifest=manifest, folder=Path("/nonexistent-adapter"))
