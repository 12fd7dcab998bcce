"""A qwen2 GGUF → an MLX model directory that `mlx_lm.load(dir)` opens offline.

`mx.load` cannot read the K-quants of the bundled GGUFs, so every tensor is
dequantised with `gguf.quants.dequantize`, stored as float16 under the Hugging
Face name mlx-lm's qwen2 expects, next to a config.json built from the GGUF
metadata and the tokenizer rebuilt from it. Qwen2 GGUFs are written without
the q/k row permutation llama GGUFs get, so tensors map one to one.

The directory is built under a temporary name and renamed into place with a
stamp, so it is converted once and a crash never leaves a half-written model.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from rem_agent.errors import RemAgentError, UsageError
from rem_agent.models.bundle import ensure_gguf
from rem_agent.models.progress import Progress, no_progress
from rem_agent.models.registry import (
    SOURCE_MARKER,
    ModelSource,
    derived_cache_dir,
    prune_derived,
)
from rem_agent.models.tokenizer import GgufTokenizer, tokenizer_from_gguf, write_hf_tokenizer_files

_CONVERTER_VERSION = 1
_STAMP = "rem_agent_conversion.json"

# GGUF tensor name → Hugging Face/mlx-lm qwen2 name ({n} is the block number).
GGUF_GLOBAL_NAMES = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
GGUF_BLOCK_NAMES = {
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
_BLOCK_RE = re.compile(r"^blk\.(\d+)\.(\w+)\.(weight|bias)$")


def hf_tensor_name(gguf_name: str) -> str:
    """Map one qwen2 GGUF tensor name to its mlx-lm name; UsageError if unknown."""
    if gguf_name in GGUF_GLOBAL_NAMES:
        return GGUF_GLOBAL_NAMES[gguf_name]
    m = _BLOCK_RE.match(gguf_name)
    if m and m.group(2) in GGUF_BLOCK_NAMES:
        return f"model.layers.{m.group(1)}.{GGUF_BLOCK_NAMES[m.group(2)]}.{m.group(3)}"
    raise UsageError(f"unexpected tensor {gguf_name!r} in a qwen2 GGUF")


class Qwen2Config(BaseModel):
    """The config.json of an mlx-lm qwen2 model (the Hugging Face field names)."""

    model_config = ConfigDict(frozen=True)

    model_type: str = "qwen2"
    architectures: list[str] = ["Qwen2ForCausalLM"]
    hidden_size: int
    num_hidden_layers: int
    intermediate_size: int
    num_attention_heads: int
    num_key_value_heads: int
    rms_norm_eps: float
    vocab_size: int
    max_position_embeddings: int = 32768
    rope_theta: float = 1_000_000.0
    tie_word_embeddings: bool
    bos_token_id: int | None = None
    eos_token_id: list[int] | int | None = None
    torch_dtype: str = "float16"


def _meta(reader: Any, key: str, default: Any = None) -> Any:
    field = reader.fields.get(key)
    return default if field is None else field.contents()


def config_from_gguf(reader: Any, tokenizer: GgufTokenizer) -> Qwen2Config:
    """Build the model config from an open `gguf.GGUFReader`'s metadata."""
    arch = _meta(reader, "general.architecture")
    if arch != "qwen2":
        raise UsageError(f"only qwen2 GGUFs can be converted, this one is {arch!r}")
    names = {t.name for t in reader.tensors}
    embd = next(t for t in reader.tensors if t.name == "token_embd.weight")

    def need(key: str) -> Any:
        value = _meta(reader, f"qwen2.{key}")
        if value is None:
            raise RemAgentError(f"GGUF metadata lacks qwen2.{key}")
        return value

    info = tokenizer.info
    return Qwen2Config(
        hidden_size=int(need("embedding_length")),
        num_hidden_layers=int(need("block_count")),
        intermediate_size=int(need("feed_forward_length")),
        num_attention_heads=int(need("attention.head_count")),
        num_key_value_heads=int(
            _meta(reader, "qwen2.attention.head_count_kv", need("attention.head_count"))
        ),
        rms_norm_eps=float(need("attention.layer_norm_rms_epsilon")),
        # GGUF shapes are innermost-first: [hidden, vocab].
        vocab_size=int(embd.shape[-1]),
        max_position_embeddings=int(_meta(reader, "qwen2.context_length", 32768)),
        rope_theta=float(_meta(reader, "qwen2.rope.freq_base", 1_000_000.0)),
        tie_word_embeddings="output.weight" not in names,
        bos_token_id=info.bos_token_id,
        eos_token_id=info.eos_token_ids,
    )


class ConversionStamp(BaseModel):
    source: str
    source_size: int
    source_mtime_ns: int
    quantize: bool
    converter_version: int
    seconds: float


def _stamp_for(gguf: Path, quantize: bool, seconds: float) -> ConversionStamp:
    st = gguf.stat()
    return ConversionStamp(
        source=str(gguf.resolve()),
        source_size=st.st_size,
        source_mtime_ns=st.st_mtime_ns,
        quantize=quantize,
        converter_version=_CONVERTER_VERSION,
        seconds=round(seconds, 2),
    )


def is_converted(gguf: Path, out_dir: Path, *, quantize: bool = False) -> bool:
    """Whether `out_dir` holds a finished conversion of this exact `gguf`."""
    try:
        stamp = ConversionStamp.model_validate_json((out_dir / _STAMP).read_text())
    except (OSError, ValueError):
        return False
    st = gguf.stat()
    return (
        stamp.source_size == st.st_size
        and stamp.source_mtime_ns == st.st_mtime_ns
        and stamp.quantize == quantize
        and stamp.converter_version == _CONVERTER_VERSION
        and (out_dir / "config.json").is_file()
        and any(out_dir.glob("model*.safetensors"))
    )


def _mlx_kind(quantize: bool) -> str:
    return "mlx-q4" if quantize else "mlx-f16"


def default_mlx_dir(gguf: Path, *, quantize: bool = False) -> Path:
    return derived_cache_dir(gguf, _mlx_kind(quantize))


def write_mlx_model_dir(
    out_dir: Path,
    config: Qwen2Config,
    weights: dict[str, Any],
    tokenizer: GgufTokenizer,
) -> Path:
    """Write config.json, model.safetensors and the tokenizer files into `out_dir`."""
    import mlx.core as mx

    out_dir.mkdir(parents=True, exist_ok=True)
    arrays = {k: v if isinstance(v, mx.array) else mx.array(v) for k, v in weights.items()}
    mx.save_safetensors(str(out_dir / "model.safetensors"), arrays, metadata={"format": "mlx"})
    (out_dir / "config.json").write_text(config.model_dump_json(indent=2))
    generation = {"bos_token_id": config.bos_token_id, "eos_token_id": config.eos_token_id}
    (out_dir / "generation_config.json").write_text(json.dumps(generation, indent=2))
    write_hf_tokenizer_files(tokenizer, out_dir)
    return out_dir


def _quantize_in_place(model_dir: Path, progress: Progress) -> None:
    """Re-quantise the float16 weights in `model_dir` to mlx 4-bit (group size 64)."""
    import mlx.core as mx
    from mlx_lm.utils import load_model, quantize_model, save_config, save_model

    stage = "quantising to 4-bit"
    progress(stage, 0, 1)
    model, config = load_model(model_dir, lazy=False)
    model, config = quantize_model(model, config, group_size=64, bits=4)
    mx.eval(model.parameters())
    for old in model_dir.glob("model*.safetensors"):
        old.unlink()
    save_model(model_dir, model, donate_model=True)
    save_config(config, model_dir / "config.json")
    progress(stage, 1, 1)


def convert(
    gguf: Path,
    out_dir: Path | None = None,
    *,
    quantize: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Convert a qwen2 GGUF into an MLX model directory, once; returns the directory.

    `out_dir` defaults to a cache directory derived from the GGUF. With
    `quantize=True` the float16 weights are re-quantised to MLX 4-bit.
    """
    import gguf as gguf_lib
    import mlx.core as mx
    import numpy as np

    gguf = Path(gguf)
    if not gguf.is_file():
        raise UsageError(f"GGUF file not found: {gguf}")
    progress = progress or no_progress
    out_dir = Path(out_dir) if out_dir is not None else default_mlx_dir(gguf, quantize=quantize)
    if is_converted(gguf, out_dir, quantize=quantize):
        return out_dir

    started = time.monotonic()
    tokenizer = tokenizer_from_gguf(gguf)
    try:
        reader = gguf_lib.GGUFReader(gguf, "r")
    except (OSError, ValueError) as exc:
        raise RemAgentError(f"cannot read GGUF {gguf}: {exc}") from exc
    config = config_from_gguf(reader, tokenizer)

    if out_dir == default_mlx_dir(gguf, quantize=quantize):
        prune_derived(gguf, _mlx_kind(quantize))
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=out_dir.name + ".tmp-"))
    try:
        weights: dict[str, Any] = {}
        stage = f"converting {gguf.name} to MLX"
        total = len(reader.tensors)
        progress(stage, 0, total)
        for i, tensor in enumerate(reader.tensors, 1):
            name = hf_tensor_name(tensor.name)
            data = gguf_lib.quants.dequantize(tensor.data, tensor.tensor_type)
            # float16 like mlx-lm's own conversions: half the disk and RAM of float32.
            weights[name] = mx.array(np.ascontiguousarray(data, dtype=np.float16))
            progress(stage, i, total)
        write_mlx_model_dir(tmp, config, weights, tokenizer)
        del weights
        if quantize:
            _quantize_in_place(tmp, progress)
        stamp = _stamp_for(gguf, quantize, time.monotonic() - started)
        (tmp / _STAMP).write_text(stamp.model_dump_json(indent=2))
        (tmp / SOURCE_MARKER).write_text(str(gguf.resolve()))
        if out_dir.exists():
            shutil.rmtree(out_dir)  # a stale conversion of an older file
        tmp.rename(out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


# The name the package exports.
convert_gguf_to_mlx = convert


def local_mlx_dir(
    source: ModelSource, *, quantize: bool = False, progress: Progress | None = None
) -> Path:
    """An MLX model directory on disk for `source`, converting or locating it as needed.

    A Hugging Face repo is used from the local hub cache, or downloaded where a hub
    is reachable; offline it raises a RemAgentError saying so.
    """
    if source.kind == "mlx_dir" and source.path is not None:
        return source.path
    if source.kind == "gguf" and source.path is not None:
        return convert(source.path, quantize=quantize, progress=progress)
    if source.kind == "bundled":
        return convert(ensure_gguf(source.name, progress), quantize=quantize, progress=progress)
    return _hf_snapshot(source.name)


def _hf_snapshot(repo: str) -> Path:
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise RemAgentError(
            f"cannot fetch {repo}: huggingface_hub is not installed; "
            "use a bundled model, a .gguf file or a local MLX directory"
        ) from exc
    patterns = ["*.json", "*.safetensors", "*.py", "tokenizer.model", "*.tiktoken", "*.jinja"]
    try:
        return Path(snapshot_download(repo, allow_patterns=patterns, local_files_only=True))
    except Exception:  # not in the local hub cache: try the hub itself below
        pass
    try:
        return Path(snapshot_download(repo, allow_patterns=patterns))
    except Exception as exc:  # huggingface_hub raises many types for "offline"
        raise RemAgentError(
            f"cannot fetch {repo} from the Hugging Face hub (offline or unreachable: "
            f"{type(exc).__name__}); use a bundled model (rem-agent models list), "
            "a .gguf file or a local MLX directory instead"
        ) from exc
