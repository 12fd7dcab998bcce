"""The Qwen tokenizer rebuilt from GGUF metadata: ids, round trips, specials, template."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rem_agent.models.tokenizer import (
    GgufTokenizer,
    hf_tokenizer_from_gguf,
    tokenizer_cache_dir,
    tokenizer_from_gguf,
)

pytestmark = pytest.mark.model

TEXTS = [
    "Hello, world!",
    "notes about kafka from last week",
    "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16'",
    "héllo wörld — naïve café",
    "日本語のテキストと中文",
    "emoji 🎉👍🏽 and ZWJ 👨‍👩‍👧",
    "tabs\tand\n\nnewlines\r\n  indented   spaces ",
    "  leading and trailing  ",
    "x" * 300,
    "def f(x):\n    return x**2  # comment\n",
]


def test_known_ids_from_the_published_qwen_tokenizer(qwen_tokenizer: GgufTokenizer) -> None:
    # Qwen2/2.5's tokenizer encodes this as [9707, 11, 1879, 0] (Hello , Ġworld !).
    assert qwen_tokenizer.tokenizer.encode("Hello, world!").ids == [9707, 11, 1879, 0]


@pytest.mark.parametrize("text", TEXTS)
def test_round_trip(qwen_tokenizer: GgufTokenizer, text: str) -> None:
    tok = qwen_tokenizer.tokenizer
    ids = tok.encode(text).ids
    assert ids, text
    assert tok.decode(ids, skip_special_tokens=False) == text


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_round_trip_any_nfc_text(qwen_tokenizer: GgufTokenizer, text: str) -> None:
    import unicodedata

    text = unicodedata.normalize("NFC", text)  # the tokenizer normalises to NFC first
    tok = qwen_tokenizer.tokenizer
    assert tok.decode(tok.encode(text).ids, skip_special_tokens=False) == text


def test_special_tokens_map_to_the_gguf_ids(
    qwen_tokenizer: GgufTokenizer, bundled_gguf: Path
) -> None:
    from gguf import GGUFReader

    tokens = GGUFReader(bundled_gguf).fields["tokenizer.ggml.tokens"].contents()
    tok, info = qwen_tokenizer.tokenizer, qwen_tokenizer.info
    for text in ("<|im_start|>", "<|im_end|>", "<|endoftext|>"):
        gguf_id = tokens.index(text)
        assert tok.token_to_id(text) == gguf_id == info.special_tokens[text]
        assert tok.encode(f"a{text}b").ids[1] == gguf_id  # matched whole inside text
    assert info.eos_token_id == tokens.index("<|im_end|>")
    assert tokens.index("<|endoftext|>") in info.eos_token_ids
    assert info.vocab_size == len(tokens) == 151936


def test_chat_template_comes_from_the_gguf(qwen_tokenizer: GgufTokenizer) -> None:
    template = qwen_tokenizer.info.chat_template
    assert (
        template is not None and "<|im_start|>" in template and "add_generation_prompt" in template
    )


def test_cache_is_written_and_reused(bundled_gguf: Path) -> None:
    first = tokenizer_from_gguf(bundled_gguf)
    cache = tokenizer_cache_dir(bundled_gguf)
    assert (cache / "tokenizer.json").is_file()
    again = tokenizer_from_gguf(bundled_gguf)
    assert again.info == first.info
    assert again.tokenizer.encode(TEXTS[2]).ids == first.tokenizer.encode(TEXTS[2]).ids


@pytest.mark.skipif(importlib.util.find_spec("transformers") is None, reason="no transformers")
def test_hf_wrapper_matches_and_renders_the_chat(
    qwen_tokenizer: GgufTokenizer, bundled_gguf: Path
) -> None:
    hf = hf_tokenizer_from_gguf(bundled_gguf)
    for text in TEXTS:
        assert hf.encode(text, add_special_tokens=True) == qwen_tokenizer.tokenizer.encode(text).ids
    prompt = hf.apply_chat_template(
        [{"role": "system", "content": "S"}, {"role": "user", "content": "What is 2+2?"}],
        tokenize=False,
        add_generation_prompt=True,
    )
    assert prompt == (
        "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert hf.eos_token == "<|im_end|>" and hf.pad_token == "<|endoftext|>"


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="no llama_cpp")
def test_same_ids_as_llama_cpp(qwen_tokenizer: GgufTokenizer, bundled_gguf: Path) -> None:
    from llama_cpp import Llama

    vocab = Llama(str(bundled_gguf), vocab_only=True, verbose=False)
    chat = "<|im_start|>user\nnotes about kafka 🎉<|im_end|>\n<|im_start|>assistant\n"
    for text in [*TEXTS, chat]:
        ours = qwen_tokenizer.tokenizer.encode(text).ids
        assert vocab.tokenize(text.encode(), add_bos=False, special=True) == ours, text
