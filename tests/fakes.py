"""Engine doubles for orchestration tests (the real engines have their own tests).

`FakeEngine` satisfies the `Engine` protocol whole; every double derives from it and
says only how it answers (`answer_for`). mypy checks this module (pyproject.toml), and
the assignments at the bottom make it prove that each double is an `Engine`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rem_agent.engines.base import (
    ChatMessage,
    DecodeParams,
    DecodeStats,
    Engine,
    EngineChoice,
    EngineInfo,
    Generation,
    ProgressFn,
)
from rem_agent.models.adapters import Adapter, AdapterManifest


class FakeEngine:
    """An `Engine` with no model: `generate` checks its arguments as the real engines do
    (`DecodeParams.checked`) and answers with `answer_for`."""

    name = "fake"
    model_name = "fake-model"

    def __init__(self, *, adapter: Adapter | None = None) -> None:
        self.adapter = adapter
        self.choice: EngineChoice | None = None
        self.loads = 0
        self.prompt_cache_clears = 0
        self.params: list[DecodeParams] = []

    def load(self, progress: ProgressFn | None = None) -> None:
        self.loads += 1

    def info(self) -> EngineInfo:
        return EngineInfo.of(self)

    def render_chat(self, messages: list[ChatMessage]) -> str:
        return "\n".join(f"{m.role}: {m.content}" for m in messages)

    def clear_prompt_cache(self) -> None:
        self.prompt_cache_clears += 1

    def generate(self, messages: list[ChatMessage], **kwargs: Any) -> Generation:
        params = DecodeParams.checked(messages, **kwargs)
        self.params.append(params)
        return self.answer_for(messages, params)

    def answer_for(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        raise NotImplementedError(f"{type(self).__name__} says how it answers")


class ScriptedEngine(FakeEngine):
    """Answers each request with `answer(last_user_message, grammar)`; records every call."""

    name = "scripted"
    model_name = "scripted-model"

    def __init__(
        self, answer: Callable[[str, str | None], str], *, adapter: Adapter | None = None
    ) -> None:
        super().__init__(adapter=adapter)
        self.answer = answer
        self.calls: list[tuple[list[ChatMessage], str | None]] = []
        self._lock = threading.Lock()

    def answer_for(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        with self._lock:  # one model, one request at a time, as the real engines
            self.calls.append((messages, params.grammar))
            return fake_generation(self.answer(messages[-1].content, params.grammar))


class SamplingEngine(FakeEngine):
    """Wraps a real engine: the same decoding, but sampled at temperature 1 with a fresh
    seed per call (random-model tests fuzz the grammar with it)."""

    model_name = "tiny-random"

    def __init__(self, inner: Engine) -> None:
        super().__init__(adapter=inner.adapter)
        self.inner = inner
        self.name = inner.name
        self.seed = 0

    def load(self, progress: ProgressFn | None = None) -> None:
        super().load(progress)
        self.inner.load(progress)

    def answer_for(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        self.seed += 1
        sampled = params.model_copy(update={"temperature": 1.0, "seed": self.seed})
        return self.inner.generate(messages, **dict(sampled))


def fake_generation(text: str) -> Generation:
    """A finished generation of `text` with plausible stats (100 prompt tokens, 60 cached)."""
    stats = DecodeStats(
        prompt_tokens=100,
        cached_prompt_tokens=60,
        generated_tokens=len(text.split()),
        prefill_ms=1.0,
        decode_ms=1.0,
        total_ms=2.0,
    )
    return Generation(text=text, stats=stats, stop_reason="stop")


def fake_adapter(name: str = "scripted-rem") -> Adapter:
    """An adapter record for orchestration tests: engine doubles never read its files."""
    manifest = AdapterManifest(
        name=name, base_model="scripted-model", rank=1, alpha=1.0, targets=("q_proj",), sha256={}
    )
    return Adapter(manifest=manifest, folder=Path("/nonexistent-adapter"))


def _is_engine(engine: FakeEngine) -> Engine:
    return engine  # mypy proves the doubles satisfy the protocol (tests/test_types.py)
