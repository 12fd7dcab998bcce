"""The token-mask paths equal llguidance's numpy reference, bit for bit."""

from __future__ import annotations

import llguidance.numpy
import numpy as np
import pytest

from rem_agent.engines.bitmask import apply_token_bitmask_inplace, bitmask_bits

mx = pytest.importorskip("mlx.core")
from rem_agent.engines.mlx_mask import apply_token_bitmask, apply_token_bitmask_cpu  # noqa: E402

# Vocabulary sizes around word boundaries, none a multiple of 32 but the last two, plus Qwen2.5's.
VOCABS = [1, 5, 31, 33, 63, 65, 100, 1000, 151_665, 64, 151_936]


def _random_case(
    rng: np.random.Generator, vocab: int, words: int, batch: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    logits = rng.standard_normal((batch, vocab)).astype(np.float32) * 10
    mask = rng.integers(-(2**31), 2**31, size=(batch, words), dtype=np.int64).astype(np.int32)
    return logits, mask


def _reference(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = logits.copy()
    llguidance.numpy.apply_token_bitmask_inplace(out, mask)
    return out


def _word_counts(vocab: int) -> list[int]:
    exact = (vocab + 31) // 32
    # Exact size, one word short (trailing tokens must be masked), and two words spare.
    return sorted({exact, max(1, exact - 1), exact + 2})


@pytest.mark.parametrize("vocab", VOCABS)
def test_cpu_mlx_mask_equals_numpy_reference(vocab: int) -> None:
    rng = np.random.default_rng(vocab)
    for words in _word_counts(vocab):
        logits, mask = _random_case(rng, vocab, words)
        out = apply_token_bitmask_cpu(mx.array(logits), mask)
        assert out.shape == logits.shape
        np.testing.assert_array_equal(np.array(out), _reference(logits, mask))


@pytest.mark.parametrize("vocab", VOCABS)
def test_fast_numpy_mask_equals_numpy_reference(vocab: int) -> None:
    rng = np.random.default_rng(vocab + 1)
    for words in _word_counts(vocab):
        logits, mask = _random_case(rng, vocab, words)
        out = logits.copy()
        apply_token_bitmask_inplace(out, mask)
        np.testing.assert_array_equal(out, _reference(logits, mask))


def test_one_dimensional_inputs_like_llguidance() -> None:
    rng = np.random.default_rng(7)
    logits, mask = _random_case(rng, 77, 3, batch=1)
    out = apply_token_bitmask_cpu(mx.array(logits[0]), mask[0])
    assert out.shape == (1, 77)  # the Metal kernel also returns 2-D
    np.testing.assert_array_equal(np.array(out), _reference(logits, mask))
    flat = logits[0].copy()
    apply_token_bitmask_inplace(flat, mask[0])
    np.testing.assert_array_equal(flat, _reference(logits, mask)[0])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_cpu_mlx_mask_keeps_dtype(dtype: str) -> None:
    rng = np.random.default_rng(3)
    logits, mask = _random_case(rng, 333, 11, batch=1)
    x = mx.array(logits).astype(getattr(mx, dtype))
    out = apply_token_bitmask_cpu(x, mask)
    assert out.dtype == x.dtype
    expected = _reference(np.array(x.astype(mx.float32)), mask)
    np.testing.assert_array_equal(np.array(out.astype(mx.float32)), expected)


def test_all_and_none_allowed() -> None:
    logits = np.arange(70, dtype=np.float32)[None, :]
    everything = np.full((1, 3), -1, dtype=np.int32)
    nothing = np.zeros((1, 3), dtype=np.int32)
    np.testing.assert_array_equal(
        np.array(apply_token_bitmask_cpu(mx.array(logits), everything)), logits
    )
    assert np.all(np.isneginf(np.array(apply_token_bitmask_cpu(mx.array(logits), nothing))))


def test_bit_order_token_i_is_bit_i_mod_32() -> None:
    mask = np.zeros((1, 2), dtype=np.int32)
    mask[0, 1] = np.int32(1 << 3)  # token 35 only
    bits = bitmask_bits(mask, 64)
    assert np.flatnonzero(bits[0]).tolist() == [35]


def test_dispatch_uses_a_path_that_runs_here() -> None:
    rng = np.random.default_rng(11)
    logits, mask = _random_case(rng, 1000, 32)
    out = apply_token_bitmask(mx.array(logits), mask)  # Metal kernel on Apple, CPU elsewhere
    np.testing.assert_array_equal(np.array(out), _reference(logits, mask))


def test_rejects_wrong_mask_dtype_and_batch() -> None:
    with pytest.raises(ValueError, match="int32"):
        apply_token_bitmask_cpu(mx.zeros((1, 40)), np.zeros((1, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="do not match"):
        apply_token_bitmask_cpu(mx.zeros((2, 40)), np.zeros((1, 2), dtype=np.int32))
