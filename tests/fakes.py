"""A scripted engine double for orchestration tests (the real engines have their own tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from rem_agent.engines.base import ChatMessage, Generation, GenerationStats


class ScriptedEngine:
    """Answers each request with `answer(last_user_message, grammar)`; records every call."""

    name = "scripted"
    model_name = "scripted-model"

    def __init__(self, answer: Callable[[str, str | None], str]) -> None:
        self.answer = answer
        self.calls: list[tuple[list[ChatMessage], str | None]] = []
        self.loads = 0
        self._lock = threading.Lock()

    def load(self, progress: Callable[[str], None] | None = None) -> None:
        self.loads += 1

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def render_chat(self, messages: list[ChatMessage]) -> str:
        return "\n".join(f"{m.role}: {m.content}" for m in messages)

    def generate(
        self,
        messages: list[ChatMessage],
        *,
        grammar: str | None = None,
        json_schema: dict | None = None,
        max_tokens: int = 160,
        prefix_messages: int = 1,
    ) -> Generation:
        with self._lock:
            self.calls.append((messages, grammar))
        text = self.answer(messages[-1].content, grammar)
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
