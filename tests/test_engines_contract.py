"""Both engines honour the `Engine` contract, checked on tiny random-weight models.

The models have the real Qwen2.5 tokenizer and chat template (from the bundled GGUF) and
random weights, so their text is nonsense but every token they pick goes through the
real vocabulary, the grammar mask and the stop rules. They load and decode in seconds.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import llguidance
import pytest
from engine_grammars import RICH_GRAMMAR, SCHEMA, SEARCH_GRAMMAR
from lark import Lark

from rem_agent.engines import (
    ChatMessage,
    Engine,
    LlamaCppEngine,
    LocalEngine,
    MlxEngine,
    llama_cpp_available,
)
from rem_agent.errors import RemAgentError

SYSTEM = ChatMessage(role="system", content="Turn search-bar text into one REM query. " * 4)
QUERIES = ["notes about kafka", "who is sarah chen", "meetings from last week", "budget", "x"]
CHAT_MARKERS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")


def chat(user: str) -> list[ChatMessage]:
    return [SYSTEM, ChatMessage(role="user", content=user)]


@pytest.fixture(scope="session")
def tiny_mlx_dir(tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path) -> Path:
    from rem_agent.models import write_tiny_mlx_model

    return write_tiny_mlx_model(tmp_path_factory.mktemp("tiny-mlx"), tokenizer_from=bundled_gguf)


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path) -> Path:
    from rem_agent.models import write_tiny_gguf

    out = tmp_path_factory.mktemp("tiny-gguf") / "tiny.gguf"
    return write_tiny_gguf(out, tokenizer_from=bundled_gguf)


def make_engine(kind: str, tiny_mlx_dir: Path, tiny_gguf: Path, **kwargs: Any) -> LocalEngine:
    if kind == "mlx":
        engine: LocalEngine = MlxEngine(tiny_mlx_dir, model_name="tiny-mlx", **kwargs)
    else:
        if not llama_cpp_available():
            pytest.skip("llama-cpp-python is not installed")
        engine = LlamaCppEngine(tiny_gguf, model_name="tiny-gguf", **kwargs)
    engine.load()
    return engine


@pytest.fixture(scope="session", params=["mlx", "llamacpp"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> LocalEngine:
    # The model files are built lazily so a skipped llama.cpp run does not write a GGUF.
    mlx_dir = request.getfixturevalue("tiny_mlx_dir") if request.param == "mlx" else Path()
    gguf = request.getfixturevalue("tiny_gguf") if request.param == "llamacpp" else Path()
    return make_engine(request.param, mlx_dir, gguf)


def lark_parser(grammar: str) -> Lark:
    return Lark(grammar, start="start", parser="earley", lexer="dynamic")


def llguidance_tokenize(engine: LocalEngine, text: str) -> list[int]:
    tokenizer: llguidance.LLTokenizer = engine.grammar_cache.tokenizer
    return tokenizer.tokenize_str(text)


def test_engine_reports_its_name_and_model(engine: LocalEngine) -> None:
    assert isinstance(engine, Engine)  # the protocol, checked at run time too
    info = engine.info()
    assert (info.name, info.model, info.adapter) == (engine.name, engine.model_name, None)
    assert info.load_seconds is not None and info.load_seconds >= 0
    assert engine.name in ("mlx", "llamacpp")
    assert engine.model_name.startswith("tiny")


def test_load_is_idempotent(engine: LocalEngine) -> None:
    before = engine.grammar_cache
    engine.load()
    assert engine.grammar_cache is before


def test_chat_template_is_the_models_own(engine: LocalEngine) -> None:
    prompt = engine.render_chat(chat("notes about kafka"))
    assert prompt == (
        f"<|im_start|>system\n{SYSTEM.content}<|im_end|>\n"
        "<|im_start|>user\nnotes about kafka<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    # The markers are single special tokens, not text the model could echo.
    assert len(engine.encode("<|im_start|>")) == 1
    assert len(engine.encode("<|im_end|>")) == 1


def test_bounded_grammar_outputs_are_all_valid(engine: LocalEngine) -> None:
    parser = lark_parser(SEARCH_GRAMMAR)
    for query in QUERIES:
        result = engine.generate(chat(query), grammar=SEARCH_GRAMMAR, max_tokens=64)
        assert result.stop_reason == "stop", result
        parser.parse(result.text)  # raises when the text is not in the language
        assert not any(m in result.text for m in CHAT_MARKERS)
        assert result.stats.generated_tokens > 0


def test_rich_grammar_outputs_are_complete_even_at_the_token_limit(engine: LocalEngine) -> None:
    parser = lark_parser(RICH_GRAMMAR)
    for query in QUERIES:
        result = engine.generate(chat(query), grammar=RICH_GRAMMAR, max_tokens=48)
        # Random weights recurse until the budget; the answer is still complete (cut to
        # its last complete prefix, or closed: engines.decode).
        assert result.stats.generated_tokens <= 48
        parser.parse(result.text)


def test_json_schema_output_is_valid(engine: LocalEngine) -> None:
    for query in QUERIES[:3]:
        result = engine.generate(chat(query), json_schema=SCHEMA, max_tokens=96)
        assert result.stop_reason == "stop", result
        data = json.loads(result.text)
        assert set(data) == {"table", "limit"}
        assert data["table"] in ("resources", "moments")
        assert isinstance(data["limit"], int) and 1 <= data["limit"] <= 50


def test_unconstrained_generation_is_greedy_and_clean(engine: LocalEngine) -> None:
    first = engine.generate(chat("notes about kafka"), max_tokens=24)
    again = engine.generate(chat("notes about kafka"), max_tokens=24)
    assert first.text == again.text  # greedy decoding is reproducible
    assert first.stats.generated_tokens > 0
    assert first.stop_reason in ("stop", "length")
    if first.stop_reason == "length":
        assert first.stats.generated_tokens == 24
    assert not any(m in first.text for m in CHAT_MARKERS)


def test_max_tokens_is_respected(engine: LocalEngine) -> None:
    result = engine.generate(chat("budget"), grammar=RICH_GRAMMAR, max_tokens=3)
    assert result.stats.generated_tokens <= 3
    assert result.stop_reason == "length" or result.stats.generated_tokens < 3


def test_grammar_compiled_once_per_text(engine: LocalEngine) -> None:
    cache = engine.grammar_cache
    grammar = SEARCH_GRAMMAR.replace("1,20", "2,19")  # a text no other test uses
    before = cache.info()
    engine.generate(chat("kafka"), grammar=grammar, max_tokens=40)
    engine.generate(chat("sarah"), grammar=grammar, max_tokens=40)
    after = cache.info()
    assert after.misses == before.misses + 1
    assert after.hits == before.hits + 1


def test_prefix_kv_cache_is_reused_and_changes_nothing(
    engine: LocalEngine, tiny_mlx_dir: Path, tiny_gguf: Path
) -> None:
    system_part = engine.render_chat(chat("q")).split("<|im_start|>user")[0]
    system_tokens = len(engine.encode(system_part))
    engine.generate(chat("warm up the system prompt"), grammar=SEARCH_GRAMMAR, max_tokens=40)
    warm = engine.generate(chat("notes about kafka"), grammar=SEARCH_GRAMMAR, max_tokens=40)
    assert warm.stats.cached_prompt_tokens >= system_tokens
    assert warm.stats.cached_prompt_tokens < warm.stats.prompt_tokens

    # A fresh engine, which has nothing cached, must produce the very same text.
    fresh = make_engine(engine.name, tiny_mlx_dir, tiny_gguf)
    cold = fresh.generate(chat("notes about kafka"), grammar=SEARCH_GRAMMAR, max_tokens=40)
    assert cold.stats.cached_prompt_tokens == 0
    assert cold.text == warm.text


def test_threads_share_one_engine(engine: LocalEngine) -> None:
    expected = {
        q: engine.generate(chat(q), grammar=SEARCH_GRAMMAR, max_tokens=40).text for q in QUERIES[:4]
    }
    got: dict[str, str] = {}
    errors: list[BaseException] = []

    def work(query: str) -> None:
        try:
            got[query] = engine.generate(chat(query), grammar=SEARCH_GRAMMAR, max_tokens=40).text
        except BaseException as exc:  # surfaced below, in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(q,)) for q in expected]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert got == expected


def test_bad_requests_are_refused_clearly(engine: LocalEngine) -> None:
    with pytest.raises(RemAgentError, match=r"does not compile|not valid"):
        engine.generate(chat("x"), grammar='start: "unterminated', max_tokens=4)
    with pytest.raises(RemAgentError, match="not both"):
        engine.generate(chat("x"), grammar=SEARCH_GRAMMAR, json_schema=SCHEMA)
    with pytest.raises(RemAgentError, match="at least one"):
        engine.generate([], max_tokens=4)


def test_stats_add_up(engine: LocalEngine) -> None:
    result = engine.generate(chat("who is sarah chen"), grammar=SEARCH_GRAMMAR, max_tokens=40)
    s = result.stats
    assert s.prompt_tokens == len(engine.encode(engine.render_chat(chat("who is sarah chen"))))
    assert s.total_ms >= s.prefill_ms + s.decode_ms - 1.0
    assert s.tokens_per_s > 0


def test_both_engines_agree_on_the_same_weights(tiny_mlx_dir: Path, tiny_gguf: Path) -> None:
    """The tiny MLX model and tiny GGUF hold the same random weights: greedy text matches."""
    mlx = make_engine("mlx", tiny_mlx_dir, tiny_gguf, cpu_dtype=None)  # keep float16 as is
    llama = make_engine("llamacpp", tiny_mlx_dir, tiny_gguf)
    for query in QUERIES[:3]:
        a = mlx.generate(chat(query), grammar=SEARCH_GRAMMAR, max_tokens=40)
        b = llama.generate(chat(query), grammar=SEARCH_GRAMMAR, max_tokens=40)
        assert a.text == b.text


def test_llamacpp_cached_count_matches_llama_cpps_own_counters(
    tiny_mlx_dir: Path, tiny_gguf: Path
) -> None:
    """`cached_prompt_tokens` restates llama-cpp-python's prefix rule: check it against the
    number of prompt tokens llama.cpp itself says it evaluated."""
    engine = make_engine("llamacpp", tiny_mlx_dir, tiny_gguf)
    import llama_cpp

    # llama.cpp counts every batch of more than one token as prompt evaluation, and
    # jump-forward appends forced tokens in such batches: this checks the prefix alone.
    ctx = engine._llama.ctx  # type: ignore[attr-defined]
    one_by_one = {"grammar": SEARCH_GRAMMAR, "max_tokens": 40, "jump_forward": False}
    engine.generate(chat("warm up the system prompt"), **one_by_one)
    for query in ("notes about kafka", "who is sarah chen"):
        llama_cpp.llama_perf_context_reset(ctx)
        result = engine.generate(chat(query), **one_by_one)
        evaluated = llama_cpp.llama_perf_context(ctx).n_p_eval
        assert result.stats.cached_prompt_tokens > 0
        assert evaluated == result.stats.prompt_tokens - result.stats.cached_prompt_tokens


def test_cancel_stops_decoding_before_the_next_token(engine: LocalEngine) -> None:
    cancel = threading.Event()
    cancel.set()
    out = engine.generate(chat("budget"), max_tokens=40, cancel=cancel)
    assert out.stop_reason == "cancelled" and out.stats.generated_tokens == 0
    later = threading.Event()
    threading.Timer(0.0, later.set).start()  # set while (or before) decoding runs
    out = engine.generate(chat("notes about kafka"), max_tokens=400, cancel=later)
    assert out.stop_reason == "cancelled" and out.stats.generated_tokens < 400


def test_seeded_sampling_is_reproducible_and_varied(engine: LocalEngine) -> None:
    runs = [
        engine.generate(chat("x"), grammar=SEARCH_GRAMMAR, temperature=1.0, seed=s).text
        for s in (1, 1, 2, 3, 4)
    ]
    assert runs[0] == runs[1]
    assert len(set(runs)) >= 3
    assert all(lark_parser(SEARCH_GRAMMAR).parse(text) for text in runs)


def test_json_schema_property_order_is_kept(engine: LocalEngine) -> None:
    schema = {
        "type": "object",
        "properties": {"z": {"type": "integer"}, "a": {"type": "integer"}},
        "required": ["z", "a"],
        "additionalProperties": False,
    }
    out = engine.generate(chat("x"), json_schema=schema, max_tokens=40)
    if out.stop_reason == "stop":
        assert list(json.loads(out.text)) == ["z", "a"]
    matcher = engine.grammar_cache.matcher(json_schema=schema)
    tokens = llguidance_tokenize(engine, '{"z":1,"a":2}')
    assert matcher.validate_tokens(tokens) == len(tokens)
