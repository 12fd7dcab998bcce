"""MLX-specific behaviour: the session's logits, prefix snapshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

mx = pytest.importorskip("mlx.core")

from rem_agent.engines import ChatMessage, MlxEngine  # noqa: E402
from rem_agent.engines.base import DecodeParams  # noqa: E402
from rem_agent.engines.mlx import metal_available  # noqa: E402

GRAMMAR = r"""start: "SEARCH \"" /[a-z ]{1,20}/ "\" IN " ("resources" | "moments")"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path) -> MlxEngine:
    from rem_agent.models import write_tiny_mlx_model

    path = write_tiny_mlx_model(tmp_path_factory.mktemp("mlx"), tokenizer_from=bundled_gguf)
    engine = MlxEngine(path, model_name="tiny", prefix_snapshots=2)
    engine.load()
    return engine


def test_session_logits_equal_mlx_lms_own_forward_pass(tiny: MlxEngine) -> None:
    # The decode loop sees numpy logits: they must be the model's own, batch or not.
    from mlx_lm.models.cache import make_prompt_cache

    prompt = tiny.encode(tiny.render_chat([ChatMessage(role="user", content="kafka notes")]))
    session = tiny._session(
        [ChatMessage(role="user", content="kafka notes")], prompt, DecodeParams()
    )
    first, _ = session.prefill(prompt)
    batched = session.feed([11, 12, 13])
    cache = make_prompt_cache(tiny._model)
    expected_first = tiny._model(mx.array(prompt)[None], cache=cache)[0, -1, :]
    expected = tiny._model(mx.array([11, 12, 13])[None], cache=cache)[0, -1, :]
    np.testing.assert_allclose(first, np.array(expected_first.astype(mx.float32)), atol=1e-3)
    np.testing.assert_allclose(batched, np.array(expected.astype(mx.float32)), atol=1e-3)


def test_runs_without_metal_here() -> None:
    # Documents the machine the CPU path exists for; on Apple Silicon this is the Metal path.
    assert isinstance(metal_available(), bool)


def test_prefix_snapshots_are_bounded(tiny: MlxEngine) -> None:
    for n in range(4):
        system = ChatMessage(role="system", content=f"System prompt number {n}. " * 3)
        tiny.generate([system, ChatMessage(role="user", content="kafka")], grammar=GRAMMAR)
    assert len(tiny._snapshots) == 2


def test_prefix_messages_zero_caches_nothing(tmp_path: Path, tiny: MlxEngine) -> None:
    engine = MlxEngine(tiny.model_path, model_name="tiny")
    chat = [ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content="a")]
    for _ in range(2):
        result = engine.generate(chat, grammar=GRAMMAR, prefix_messages=0)
        assert result.stats.cached_prompt_tokens == 0
    assert not engine._snapshots


def test_two_static_messages_are_cached_together(tiny: MlxEngine) -> None:
    few_shot = [
        ChatMessage(role="system", content="Translate to REM."),
        ChatMessage(role="user", content="notes about kafka"),
        ChatMessage(role="assistant", content='SEARCH "kafka" IN resources'),
    ]
    static = len(tiny.encode(tiny.render_chat(few_shot).rsplit("<|im_start|>assistant\n", 1)[0]))
    ask = [*few_shot, ChatMessage(role="user", content="who is sarah")]
    tiny.generate(ask, grammar=GRAMMAR, prefix_messages=3)
    again = tiny.generate(
        [*few_shot, ChatMessage(role="user", content="budget meetings")],
        grammar=GRAMMAR,
        prefix_messages=3,
    )
    assert again.stats.cached_prompt_tokens == static
