"""GGUF → MLX conversion and the tiny test models.

The fast checks use a tiny random GGUF: converting it must give back exactly the
weights that were written, and llama.cpp and MLX must compute the same logits from
it. The slow check converts the real 0.5B and compares greedy tokens with llama.cpp.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

from rem_agent.errors import RemAgentError, UsageError
from rem_agent.models.gguf_to_mlx import (
    convert,
    hf_tensor_name,
    is_converted,
    local_mlx_dir,
)
from rem_agent.models.registry import ModelSource
from rem_agent.models.tiny import TinyShape, _random_weights, write_tiny_gguf, write_tiny_mlx_model

HAS_LLAMA = importlib.util.find_spec("llama_cpp") is not None
# The cache root the user chose (or none): the real-model test converts into it, once.
USER_CACHE_ENV = os.environ.get("REM_AGENT_CACHE_DIR")


@pytest.mark.parametrize(
    ("gguf_name", "hf_name"),
    [
        ("token_embd.weight", "model.embed_tokens.weight"),
        ("output.weight", "lm_head.weight"),
        ("output_norm.weight", "model.norm.weight"),
        ("blk.0.attn_q.bias", "model.layers.0.self_attn.q_proj.bias"),
        ("blk.23.attn_output.weight", "model.layers.23.self_attn.o_proj.weight"),
        ("blk.7.ffn_down.weight", "model.layers.7.mlp.down_proj.weight"),
        ("blk.3.ffn_norm.weight", "model.layers.3.post_attention_layernorm.weight"),
    ],
)
def test_tensor_names(gguf_name: str, hf_name: str) -> None:
    assert hf_tensor_name(gguf_name) == hf_name


def test_unknown_tensor_is_rejected() -> None:
    with pytest.raises(UsageError):
        hf_tensor_name("blk.0.attn_qkv.weight")


def test_hf_repo_fails_offline_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    source = ModelSource(kind="hf_repo", name="mlx-community/Qwen2.5-Coder-7B-Instruct-4bit")
    with pytest.raises(RemAgentError, match=r"offline or unreachable.*bundled model"):
        local_mlx_dir(source)


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path) -> Path:
    return write_tiny_gguf(
        tmp_path_factory.mktemp("tiny") / "tiny.gguf", tokenizer_from=bundled_gguf
    )


@pytest.mark.model
def test_tiny_gguf_converts_back_to_the_written_weights(tiny_gguf: Path, tmp_path: Path) -> None:
    import mlx.core as mx

    out = convert(tiny_gguf, tmp_path / "mlx")
    assert is_converted(tiny_gguf, out)
    config = json.loads((out / "config.json").read_text())
    shape = TinyShape()
    assert config["hidden_size"] == shape.hidden_size
    assert config["num_key_value_heads"] == shape.num_key_value_heads
    assert config["tie_word_embeddings"] is True  # no output.weight in the file
    assert config["vocab_size"] == 151936
    loaded = mx.load(str(out / "model.safetensors"))
    expected = _random_weights(shape, 151936, seed=0)
    assert set(loaded) == set(expected)
    for name, want in expected.items():
        got = np.array(loaded[name].astype(mx.float32))
        np.testing.assert_allclose(got, want.astype(np.float16).astype(np.float32), err_msg=name)


@pytest.mark.model
def test_conversion_is_cached(tiny_gguf: Path, tmp_path: Path) -> None:
    out = convert(tiny_gguf, tmp_path / "mlx")
    weights = out / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert convert(tiny_gguf, tmp_path / "mlx") == out
    assert weights.stat().st_mtime_ns == before


@pytest.mark.model
def test_tiny_mlx_model_loads_and_generates_real_tokens(tmp_path: Path, bundled_gguf: Path) -> None:
    from mlx_lm import generate, load
    from mlx_lm.sample_utils import make_sampler

    out = write_tiny_mlx_model(tmp_path / "tiny", tokenizer_from=bundled_gguf, seed=3)
    model, tok = load(str(out))
    assert tok.eos_token_id == 151645
    assert tok.encode("Hello, world!") == [9707, 11, 1879, 0]
    prompt = tok.apply_chat_template(
        [{"role": "user", "content": "hi"}], add_generation_prompt=True, tokenize=False
    )
    assert prompt.endswith("<|im_start|>assistant\n")
    text = generate(model, tok, prompt, max_tokens=5, sampler=make_sampler(temp=0.0))
    assert isinstance(text, str) and len(tok.encode(text)) >= 1


def _mlx_logits(model_dir: Path, ids: list[int]) -> np.ndarray:
    import mlx.core as mx
    from mlx_lm import load

    model, _ = load(str(model_dir))
    return np.array(model(mx.array([ids]))[0].astype(mx.float32))


@pytest.mark.model
@pytest.mark.skipif(not HAS_LLAMA, reason="llama_cpp not importable")
def test_tiny_gguf_same_logits_in_llama_cpp_and_converted_mlx(
    tiny_gguf: Path, tmp_path: Path
) -> None:
    from llama_cpp import Llama

    ids = [151644, 872, 198, 9707, 11, 1879, 0, 151645, 198]
    llm = Llama(str(tiny_gguf), n_ctx=64, logits_all=True, verbose=False)
    llm.eval(ids)
    ref = np.array(llm.scores[: len(ids)], dtype=np.float32)
    ours = _mlx_logits(convert(tiny_gguf, tmp_path / "mlx"), ids)
    # Same weights and math; only float16 activations differ.
    np.testing.assert_allclose(ours, ref, atol=2e-2, rtol=0)
    assert (ours.argmax(-1) == ref.argmax(-1)).mean() >= 0.8


@pytest.mark.model
@pytest.mark.slow
def test_real_05b_conversion_agrees_with_llama_cpp(
    bundled_gguf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlx_lm import load

    if USER_CACHE_ENV is None:
        monkeypatch.delenv("REM_AGENT_CACHE_DIR", raising=False)
    else:
        monkeypatch.setenv("REM_AGENT_CACHE_DIR", USER_CACHE_ENV)

    out = convert(bundled_gguf)  # cached under the user cache after the first run
    model, tok = load(str(out))
    prompt = tok.apply_chat_template(
        [{"role": "user", "content": "What is 2+2?"}], add_generation_prompt=True, tokenize=False
    )
    ids = tok.encode(prompt)
    if not HAS_LLAMA:
        from mlx_lm import generate
        from mlx_lm.sample_utils import make_sampler

        text = generate(model, tok, prompt, max_tokens=8, sampler=make_sampler(temp=0.0))
        assert "4" in text
        return
    from llama_cpp import Llama

    from rem_agent.engines.llamacpp import without_weight_repacking

    with without_weight_repacking():  # repacked Q4_K weights crash on AMX CPUs
        llm = Llama(str(bundled_gguf), n_ctx=256, verbose=False)
    completion = llm.create_completion(ids, max_tokens=8, temperature=0.0, top_k=1)
    ref_text = completion["choices"][0]["text"]
    ref_ids = tok.encode(ref_text)
    assert "4" in ref_text
    # Teacher-force llama.cpp's greedy continuation through MLX; compare each next token.
    import mlx.core as mx

    logits = np.array(model(mx.array([ids + ref_ids]))[0].astype(mx.float32))
    ours = logits[len(ids) - 1 : len(ids) - 1 + len(ref_ids)].argmax(-1).tolist()
    agree = sum(a == b for a, b in zip(ours, ref_ids, strict=True))
    # Q4_K_M in llama.cpp vs float16 dequantised weights in MLX: near-ties may flip.
    assert agree >= len(ref_ids) - 1, (ours, ref_ids)
    assert ours[0] == ref_ids[0]


@pytest.mark.model
def test_quantized_conversion_loads_in_mlx_lm(tiny_gguf: Path, tmp_path: Path) -> None:
    from mlx_lm import load

    out = convert(tiny_gguf, tmp_path / "q4", quantize=True)
    config = json.loads((out / "config.json").read_text())
    assert config["quantization"]["bits"] == 4
    assert is_converted(tiny_gguf, out, quantize=True)
    assert not is_converted(tiny_gguf, out, quantize=False)
    load(str(out))  # mlx-lm reads the quantisation from config.json
    full = _mlx_logits(convert(tiny_gguf, tmp_path / "f16"), [9707, 11, 1879, 0])
    quant = _mlx_logits(out, [9707, 11, 1879, 0])
    assert quant.shape == full.shape
    assert np.corrcoef(quant.ravel(), full.ravel())[0, 1] > 0.9
