"""Apply an llguidance token bitmask to MLX logits on any device.

llguidance ships only a Metal kernel for MLX (`llguidance.mlx.apply_token_bitmask`), which
fails with "No Metal back-end" on Linux. `apply_token_bitmask` below keeps that kernel
where Metal exists and otherwise unpacks the bits with numpy, with the same result: a
token keeps its logit when its bit is set and gets `-inf` otherwise, including every
token past the end of the mask.
"""

from __future__ import annotations

import mlx.core as mx
import numpy as np
from numpy.typing import NDArray

from rem_agent.engines.bitmask import bitmask_bits


def metal_available() -> bool:
    """True where MLX has its Metal back-end (Apple Silicon)."""
    try:
        return bool(mx.metal.is_available())
    except (AttributeError, RuntimeError):
        return False


def apply_token_bitmask_cpu(logits: mx.array, mask: NDArray[np.int32]) -> mx.array:
    """The CPU twin of `llguidance.mlx.apply_token_bitmask`: 2-D logits out, dtype kept."""
    if logits.ndim == 1:
        logits = mx.expand_dims(logits, axis=0)
    mask = np.asarray(mask)
    if mask.ndim == 1:
        mask = mask[None, :]
    if mask.dtype != np.int32:
        raise ValueError(f"token bitmask must be int32, not {mask.dtype}")
    if logits.ndim != 2 or logits.shape[0] != mask.shape[0]:
        raise ValueError(f"logits {logits.shape} do not match bitmask {mask.shape}")
    allowed = mx.array(bitmask_bits(mask, logits.shape[1]).astype(np.bool_))
    return mx.where(allowed, logits, mx.array(-np.inf, dtype=logits.dtype))


def apply_token_bitmask(logits: mx.array, mask: NDArray[np.int32]) -> mx.array:
    """Mask `logits` with llguidance's Metal kernel when it can run, else on the CPU."""
    if metal_available():
        import llguidance.mlx

        return llguidance.mlx.apply_token_bitmask(logits, mask)
    return apply_token_bitmask_cpu(logits, mask)
