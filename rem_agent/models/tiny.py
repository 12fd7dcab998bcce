"""Tiny random-weight qwen2 models with the real Qwen tokenizer, for fast engine tests.

The weights are noise, so the text is nonsense, but everything around them is
real: the vocabulary, special-token ids and chat template come from a real
GGUF, so grammar-constrained decoding, stop tokens and chat formatting are
exercised exactly as with the real model, in milliseconds instead of seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from rem_agent.models.gguf_to_mlx import (
    GGUF_BLOCK_NAMES,
    GGUF_GLOBAL_NAMES,
    Qwen2Config,
    write_mlx_model_dir,
)
from rem_agent.models.tokenizer import read_gguf_vocab, tokenizer_from_gguf


class TinyShape(BaseModel):
    """The size of a tiny model; the defaults load and decode in milliseconds."""

    model_config = ConfigDict(frozen=True)

    hidden_size: int = 64
    num_hidden_layers: int = 2
    intermediate_size: int = 128
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    context_length: int = 4096
    rope_theta: float = 1_000_000.0
    rms_norm_eps: float = 1e-6


def _random_weights(shape: TinyShape, vocab: int, seed: int) -> dict[str, np.ndarray]:
    """Weights under mlx-lm names, in (out, in) layout; embeddings tied."""
    rng = np.random.default_rng(seed)
    h, ff = shape.hidden_size, shape.intermediate_size
    head_dim = h // shape.num_attention_heads
    kv = shape.num_key_value_heads * head_dim

    def mat(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) * 0.02).astype(np.float16)

    def vec(n: int, value: float | None = None) -> np.ndarray:
        if value is not None:
            return np.full(n, value, dtype=np.float32)
        return (rng.standard_normal(n) * 0.02).astype(np.float32)

    weights = {"model.embed_tokens.weight": mat(vocab, h), "model.norm.weight": vec(h, 1.0)}
    for n in range(shape.num_hidden_layers):
        p = f"model.layers.{n}."
        weights |= {
            p + "input_layernorm.weight": vec(h, 1.0),
            p + "post_attention_layernorm.weight": vec(h, 1.0),
            p + "self_attn.q_proj.weight": mat(h, h),
            p + "self_attn.q_proj.bias": vec(h),
            p + "self_attn.k_proj.weight": mat(kv, h),
            p + "self_attn.k_proj.bias": vec(kv),
            p + "self_attn.v_proj.weight": mat(kv, h),
            p + "self_attn.v_proj.bias": vec(kv),
            p + "self_attn.o_proj.weight": mat(h, h),
            p + "mlp.gate_proj.weight": mat(ff, h),
            p + "mlp.up_proj.weight": mat(ff, h),
            p + "mlp.down_proj.weight": mat(h, ff),
        }
    return weights


def write_tiny_mlx_model(
    out_dir: Path, *, tokenizer_from: Path, seed: int = 0, shape: TinyShape | None = None
) -> Path:
    """Write a tiny random qwen2 MLX model (real tokenizer from the GGUF `tokenizer_from`).

    `mlx_lm.load(out_dir)` opens it offline. Returns `out_dir`.
    """
    import mlx.core as mx

    shape = shape or TinyShape()
    tok = tokenizer_from_gguf(Path(tokenizer_from))
    vocab = tok.info.vocab_size  # rows of the real embedding, so every token id is valid
    config = Qwen2Config(
        hidden_size=shape.hidden_size,
        num_hidden_layers=shape.num_hidden_layers,
        intermediate_size=shape.intermediate_size,
        num_attention_heads=shape.num_attention_heads,
        num_key_value_heads=shape.num_key_value_heads,
        rms_norm_eps=shape.rms_norm_eps,
        vocab_size=vocab,
        max_position_embeddings=shape.context_length,
        rope_theta=shape.rope_theta,
        tie_word_embeddings=True,
        bos_token_id=tok.info.bos_token_id,
        eos_token_id=tok.info.eos_token_ids,
    )
    weights = {
        k: mx.array(v).astype(mx.float16) for k, v in _random_weights(shape, vocab, seed).items()
    }
    return write_mlx_model_dir(Path(out_dir), config, weights, tok)


# mlx-lm name → GGUF name, the inverse of gguf_to_mlx's map, for the tiny GGUF.
_TO_GGUF = {
    **{hf: gguf for gguf, hf in GGUF_GLOBAL_NAMES.items() if gguf != "output.weight"},
    **{hf: gguf for gguf, hf in GGUF_BLOCK_NAMES.items()},
}


def _gguf_name(name: str) -> str:
    if name in _TO_GGUF:
        return _TO_GGUF[name]
    _, _, n, rest = name.split(".", 3)  # model.layers.N.<module>.<param>
    module, param = rest.rsplit(".", 1)
    return f"blk.{n}.{_TO_GGUF[module]}.{param}"


def write_tiny_gguf(
    out_path: Path, *, tokenizer_from: Path, seed: int = 0, shape: TinyShape | None = None
) -> Path:
    """Write a tiny random qwen2 GGUF (F16 matrices, F32 vectors) that llama.cpp loads,
    carrying the tokenizer metadata of the GGUF `tokenizer_from` unchanged."""
    import gguf

    shape = shape or TinyShape()
    raw = read_gguf_vocab(Path(tokenizer_from))
    vocab = len(raw.tokens)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)

    writer = gguf.GGUFWriter(out_path, "qwen2")
    writer.add_name("rem-agent tiny random qwen2")
    writer.add_context_length(shape.context_length)
    writer.add_embedding_length(shape.hidden_size)
    writer.add_block_count(shape.num_hidden_layers)
    writer.add_feed_forward_length(shape.intermediate_size)
    writer.add_head_count(shape.num_attention_heads)
    writer.add_head_count_kv(shape.num_key_value_heads)
    writer.add_rope_freq_base(shape.rope_theta)
    writer.add_layer_norm_rms_eps(shape.rms_norm_eps)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_tokenizer_model(raw.model)
    if raw.pre is not None:
        writer.add_tokenizer_pre(raw.pre)
    writer.add_token_list(raw.tokens)
    writer.add_token_types(raw.types)
    writer.add_token_merges(raw.merges)
    for value, add in (
        (raw.bos, writer.add_bos_token_id),
        (raw.eos, writer.add_eos_token_id),
        (raw.pad, writer.add_pad_token_id),
    ):
        if value is not None:
            add(int(value))
    if raw.add_bos is not None:
        writer.add_add_bos_token(raw.add_bos)
    if raw.chat_template is not None:
        writer.add_chat_template(raw.chat_template)
    for name, array in _random_weights(shape, vocab, seed).items():
        writer.add_tensor(_gguf_name(name), array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_path
