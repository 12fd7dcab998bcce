"""Write a peft LoRA state dict as the two adapters the engines load.

- llama.cpp: a GGUF with `general.type=adapter`, `adapter.type=lora`,
  `adapter.lora.alpha`, and per target `blk.N.<tensor>.weight.lora_a` (numpy shape
  (r, n_in)) and `.lora_b` (n_out, r), so delta W = alpha / r * B @ A, as peft computes;
- mlx-lm: a directory with `adapter_config.json` and `adapters.safetensors` holding
  `model.layers.N.<module>.lora_a` (n_in, r) and `.lora_b` (r, n_out) with
  scale = alpha / r, which `mlx_lm.load(path, adapter_path=DIR)` applies.

Qwen2's GGUF keeps Hugging Face's q/k layout (no rope permutation), so the same
factors serve both files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from rem_agent.models.gguf_to_mlx import GGUF_BLOCK_NAMES

# peft module path (under model.layers.N.) -> the GGUF tensor it adapts: the projections.
GGUF_TENSORS = {hf: gguf for gguf, hf in GGUF_BLOCK_NAMES.items() if hf.endswith("_proj")}
_PEFT_KEY = re.compile(r"(?:.*\.)?layers\.(\d+)\.(\w+\.\w+)\.lora_([AB])(?:\.\w+)?\.weight$")

GGUF_ADAPTER_NAME = "adapter.gguf"
MLX_ADAPTER_DIR = "mlx-adapter"


def lora_factors(state: dict[str, Any]) -> dict[tuple[int, str], dict[str, np.ndarray]]:
    """{(layer, module): {"A": (r, n_in), "B": (n_out, r)}} from a peft state dict."""
    out: dict[tuple[int, str], dict[str, np.ndarray]] = {}
    for key, tensor in state.items():
        m = _PEFT_KEY.match(key)
        if m is None:
            raise ValueError(f"not a LoRA factor of a decoder layer: {key}")
        array = tensor.detach().float().cpu().numpy() if hasattr(tensor, "detach") else tensor
        out.setdefault((int(m[1]), m[2]), {})[m[3]] = np.asarray(array, dtype=np.float32)
    return out


def write_gguf_adapter(
    factors: dict[tuple[int, str], dict[str, np.ndarray]],
    path: Path,
    *,
    alpha: float,
    meta: dict[str, Any] | None = None,
) -> Path:
    import gguf

    writer = gguf.GGUFWriter(path, "qwen2")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    if meta:
        writer.add_string("rem_agent.meta", json.dumps(meta, sort_keys=True))
    for (layer, module), ab in sorted(factors.items()):
        base = f"blk.{layer}.{GGUF_TENSORS[module]}.weight"
        writer.add_tensor(f"{base}.lora_a", ab["A"].astype(np.float16))
        writer.add_tensor(f"{base}.lora_b", ab["B"].astype(np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_mlx_adapter(
    factors: dict[tuple[int, str], dict[str, np.ndarray]],
    out_dir: Path,
    *,
    rank: int,
    alpha: float,
    num_layers: int,
) -> Path:
    from safetensors.numpy import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    modules = sorted({module for _, module in factors})
    weights = {}
    for (layer, module), ab in factors.items():
        prefix = f"model.layers.{layer}.{module}"
        weights[f"{prefix}.lora_a"] = np.ascontiguousarray(ab["A"].T).astype(np.float16)
        weights[f"{prefix}.lora_b"] = np.ascontiguousarray(ab["B"].T).astype(np.float16)
    save_file(weights, str(out_dir / "adapters.safetensors"))
    config = {
        "fine_tune_type": "lora",
        "num_layers": num_layers,
        "lora_parameters": {
            "rank": rank,
            "scale": alpha / rank,
            "dropout": 0.0,
            "keys": modules,
        },
    }
    (out_dir / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    return out_dir


def export_adapters(
    state: dict[str, Any],
    out: Path,
    *,
    rank: int,
    alpha: float,
    targets: tuple[str, ...],
    num_layers: int,
    base: Path,
    meta: dict[str, Any],
) -> tuple[Path, Path]:
    factors = lora_factors(state)
    unknown = {m for _, m in factors} - set(GGUF_TENSORS)
    if unknown:
        raise ValueError(f"no GGUF tensor for LoRA targets {sorted(unknown)} (targets {targets})")
    gguf_path = write_gguf_adapter(factors, out / GGUF_ADAPTER_NAME, alpha=alpha, meta=meta)
    mlx_dir = write_mlx_adapter(
        factors, out / MLX_ADAPTER_DIR, rank=rank, alpha=alpha, num_layers=num_layers
    )
    return gguf_path, mlx_dir
