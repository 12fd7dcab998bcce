"""The decode loop's token mask equals llguidance's numpy reference, bit for bit."""

from __future__ import annotations

import llguidance.numpy
import numpy as np
import pytest

from rem_agent.engines.bitmask import apply_token_bitmask_inplace, bitmask_bits

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
def test_fast_numpy_mask_equals_numpy_reference(vocab: int) -> None:
    rng = np.random.default_rng(vocab + 1)
    for words in _word_counts(vocab):
        logits, mask = _random_case(rng, vocab, words)
        out = logits.copy()
        apply_token_bitmask_inplace(out, mask)
        np.testing.assert_array_equal(out, _reference(logits, mask))


def test_bit_order_token_i_is_bit_i_mod_32() -> None:
    mask = np.zeros((1, 2), dtype=np.int32)
    mask[0, 1] = np.int32(1 << 3)  # token 35 only
    bits = bitmask_bits(mask, 64)
    assert np.flatnonzero(bits[0]).tolist() == [35]


def test_one_dimensional_logits_like_the_decode_loop_passes_them() -> None:
    rng = np.random.default_rng(7)
    logits, mask = _random_case(rng, 77, 3, batch=1)
    flat = logits[0].copy()
    apply_token_bitmask_inplace(flat, mask[0])
    np.testing.assert_array_equal(flat, _reference(logits, mask)[0])


def test_all_and_none_allowed() -> None:
    logits = np.arange(70, dtype=np.float32)[None, :]
    everything = logits.copy()
    apply_token_bitmask_inplace(everything, np.full((1, 3), -1, dtype=np.int32))
    np.testing.assert_array_equal(everything, logits)
    nothing = logits.copy()
    apply_token_bitmask_inplace(nothing, np.zeros((1, 3), dtype=np.int32))
    assert np.all(np.isneginf(nothing))


def test_rejects_wrong_mask_dtype_and_batch() -> None:
    with pytest.raises(ValueError, match="int32"):
        apply_token_bitmask_inplace(np.zeros((1, 40), np.float32), np.zeros((1, 2), np.int64))
    with pytest.raises(ValueError, match="do not match"):
        apply_token_bitmask_inplace(np.zeros((2, 40), np.float32), np.zeros((1, 2), np.int32))
