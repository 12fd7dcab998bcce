"""MLX-specific behaviour: the CPU mask inside the outlines processor, prefix snapshots."""

from __future__ import annotations

from pathlib import Path

import llguidance.numpy
import numpy as np
import pytest

mx = pytest.importorskip("mlx.core")

from rem_agent.engines import ChatMessage, MlxEngine  # noqa: E402
from rem_agent.engines.constraint import GrammarLogitsProcessor  # noqa: E402
from rem_agent.engines.mlx_mask import metal_available  # noqa: E402

GRAMMAR = r"""start: "SEARCH \"" /[a-z ]{1,20}/ "\" IN " ("resources" | "moments")"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path) -> MlxEngine:
    from rem_agent.models import write_tiny_mlx_model

    path = write_tiny_mlx_model(tmp_path_factory.mktemp("mlx"), tokenizer_from=bundled_gguf)
    engine = MlxEngine(path, model_name="tiny", prefix_snapshots=2)
    engine.load()
    return engine


def test_processor_masks_mlx_logits_exactly_like_llguidance(tiny: MlxEngine) -> None:
    tokenizer = tiny._llg_tokenizer
    vocab = tiny._model.args.vocab_size  # the embedding is wider than the tokenizer
    processor = GrammarLogitsProcessor(
        tiny.grammar_cache.matcher(grammar=GRAMMAR), tokenizer, "mlx"
    )
    reference = tiny.grammar_cache.matcher(grammar=GRAMMAR)
    rng = np.random.default_rng(0)
    sentence = tokenizer.tokenize_str('SEARCH "kafka" IN resources')
    # Walk the grammar: at each step the processor's mask must equal llguidance's own.
    # outlines' processor consumes the last input id from its second call on.
    previous = [0, *sentence]
    for step, token in enumerate(sentence):
        logits = rng.standard_normal((1, vocab)).astype(np.float32)
        out = np.array(processor(mx.array([previous[step]]), mx.array(logits)))
        bitmask = llguidance.numpy.allocate_token_bitmask(1, tokenizer.vocab_size)
        llguidance.numpy.fill_next_token_bitmask(reference, bitmask, 0)
        expected = logits.copy()
        llguidance.numpy.apply_token_bitmask_inplace(expected, bitmask)
        np.testing.assert_array_equal(out, expected)
        assert np.isfinite(out[0, token]), "the grammar allows the next token of the sentence"
        assert np.isneginf(out).sum() > vocab // 2
        reference.consume_token(token)
    assert processor.matcher.is_accepting() is False  # it has not seen the last token yet
    processor.matcher.consume_token(sentence[-1])
    assert processor.matcher.is_accepting()


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
    static = tiny.count_tokens(tiny.render_chat(few_shot).rsplit("<|im_start|>assistant\n", 1)[0])
    ask = [*few_shot, ChatMessage(role="user", content="who is sarah")]
    tiny.generate(ask, grammar=GRAMMAR, prefix_messages=3)
    again = tiny.generate(
        [*few_shot, ChatMessage(role="user", content="budget meetings")],
        grammar=GRAMMAR,
        prefix_messages=3,
    )
    assert again.stats.cached_prompt_tokens == static
