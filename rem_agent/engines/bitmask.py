"""llguidance token bitmasks as numpy booleans, and applying them to numpy logits.

A bitmask row is int32 words; bit `i % 32` of word `i // 32` allows token `i`. Tokens
beyond the mask are disallowed, as in llguidance's own kernels.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def bitmask_bits(mask: NDArray[np.int32], vocab_size: int) -> NDArray[np.uint8]:
    """Expand `(batch, words)` bitmask rows into `(batch, vocab_size)` 0/1 bytes."""
    # '<i4' pins byte order so the little-endian bit unpacking is right on any host.
    as_bytes = np.ascontiguousarray(mask, dtype="<i4").view(np.uint8)
    bits = np.unpackbits(as_bytes, axis=-1, bitorder="little")
    if bits.shape[-1] >= vocab_size:
        return bits[..., :vocab_size]
    padded = np.zeros((*bits.shape[:-1], vocab_size), dtype=np.uint8)
    padded[..., : bits.shape[-1]] = bits
    return padded


def apply_token_bitmask_inplace(logits: NDArray[np.floating], mask: NDArray[np.int32]) -> None:
    """Set disallowed logits to `-inf` in place.

    Same result as `llguidance.numpy.apply_token_bitmask_inplace`, about 2-10x faster on a
    150k vocabulary (one `unpackbits` instead of repeat/tile/shift), which matters when a
    decode step takes 20 ms.
    """
    if logits.ndim == 1:
        logits = logits[None, :]
    if mask.ndim == 1:
        mask = mask[None, :]
    if mask.dtype != np.int32:
        raise ValueError(f"token bitmask must be int32, not {mask.dtype}")
    if logits.ndim != 2 or logits.shape[0] != mask.shape[0]:
        raise ValueError(f"logits {logits.shape} do not match bitmask {mask.shape}")
    bits = bitmask_bits(mask, logits.shape[1])
    np.copyto(logits, -np.inf, where=bits == 0)
