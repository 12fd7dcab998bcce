"""The llama.cpp engine on the real bundled 0.5B model, under the real REM grammar."""

from __future__ import annotations

from pathlib import Path

import pytest

from rem_agent.engines import ChatMessage, LlamaCppEngine, llama_cpp_available
from rem_agent.rem import DecodeSpec, check_rem, decode_grammar, default_catalog

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python is not installed"),
]

SYSTEM = ChatMessage(
    role="system",
    content=(
        "You turn search-bar text into exactly one REM query for p8fs. Statements: "
        'LOOKUP "key"; SEARCH "text" IN table; FUZZY "text"; SELECT * FROM table WHERE ...; '
        'TRAVERSE WITH LOOKUP "x" DEPTH n. Reply with the query only.'
    ),
)
QUERIES = ["notes about kafka", "who is Sarah Chen", "moments tagged travel"]
CHAT_MARKERS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")


@pytest.fixture(scope="module")
def engine(bundled_gguf: Path) -> LlamaCppEngine:
    engine = LlamaCppEngine(bundled_gguf, model_name="qwen2.5-coder-0.5b")
    engine.load()
    return engine


@pytest.fixture(scope="module")
def rem_grammar() -> str:
    return decode_grammar(DecodeSpec(catalog=default_catalog()))


def chat(user: str) -> list[ChatMessage]:
    return [SYSTEM, ChatMessage(role="user", content=user)]


def test_real_model_writes_valid_rem_under_the_grammar(
    engine: LlamaCppEngine, rem_grammar: str
) -> None:
    finished = 0
    for query in QUERIES:
        result = engine.generate(chat(query), grammar=rem_grammar, max_tokens=64)
        assert not any(m in result.text for m in CHAT_MARKERS)
        if result.stop_reason == "stop":
            finished += 1
            check = check_rem(result.text)
            assert check.valid, (result.text, check.errors)
        else:  # cut by max_tokens: the text so far must still be a prefix of the language
            matcher = engine.grammar_cache.matcher(grammar=rem_grammar)
            tokens = engine._llama.tokenize(result.text.encode(), add_bos=False, special=False)
            assert matcher.validate_tokens(tokens) == len(tokens)
    assert finished >= 2


def test_real_model_reuses_the_system_prompt_kv_cache(
    engine: LlamaCppEngine, rem_grammar: str
) -> None:
    system_part = engine.render_chat(chat("q")).split("<|im_start|>user")[0]
    engine.generate(chat("warm the cache"), grammar=rem_grammar, max_tokens=8)
    warm = engine.generate(chat("notes about kafka"), grammar=rem_grammar, max_tokens=8)
    assert warm.stats.cached_prompt_tokens >= len(engine.encode(system_part))

    fresh = LlamaCppEngine(engine.model_path, model_name="qwen2.5-coder-0.5b")
    cold = fresh.generate(chat("notes about kafka"), grammar=rem_grammar, max_tokens=8)
    assert cold.stats.cached_prompt_tokens == 0
    assert cold.text == warm.text  # the cache changes speed, never the answer


def test_unconstrained_chat_ends_at_the_end_of_turn(engine: LlamaCppEngine) -> None:
    result = engine.generate(
        [ChatMessage(role="user", content="Reply with the single word: yes")], max_tokens=16
    )
    assert result.stop_reason == "stop"
    assert "yes" in result.text.lower()
    assert not any(m in result.text for m in CHAT_MARKERS)


def test_weights_are_not_repacked(tmp_path: Path, bundled_gguf: Path) -> None:
    """Repacked (AMX) Q4_K weights crash decoding on CPUs that have AMX: the engine loads
    without llama.cpp's extra buffer types, and leaves llama-cpp-python's defaults alone."""
    import llama_cpp.llama_cpp as low_level

    from rem_agent.models import write_tiny_gguf

    tiny = LlamaCppEngine(write_tiny_gguf(tmp_path / "tiny.gguf", tokenizer_from=bundled_gguf))
    tiny.load()
    assert tiny._llama.model_params.use_extra_bufts is False
    assert low_level.llama_model_default_params().use_extra_bufts is True
