"""Affinity scoring without a model: result model, schema, prompt, input checks, batch, CLI.

The engine is `ScriptedEngine`: it answers with whatever JSON a test scripts, so these tests
check what rem-agent does with answers (parse, validate, snap, skip, report), not the model.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import llguidance
import pytest
from fakes import ScriptedEngine
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rem_agent.affinity import judge as aff
from rem_agent.affinity.evidence import evidence
from rem_agent.affinity.judge import (
    DEFAULT_MAX_TOKENS,
    MAX_TEXT_CHARS,
    REASON_MAX_CHARS,
    AffinityPrompt,
    AffinityResult,
    answer_text,
    clean_text,
    decode_schema,
    default_prompt,
    parse_answer,
    parse_pair_line,
    run_pair,
    score_batch,
    score_pair,
    snap_score,
)
from rem_agent.cli import main
from rem_agent.errors import RemAgentError, UsageError


def answer_json(score: float = 0.8, relationship: str = "SEE_ALSO", reason: str = "same") -> str:
    return json.dumps({"affinity_score": score, "reason": reason, "relationship": relationship})


def scripted(text: str | None = None, **kwargs: Any) -> ScriptedEngine:
    reply = text if text is not None else answer_json(**kwargs)
    return ScriptedEngine(lambda user, grammar: reply)


# Texts that share enough subject words for the related band (0.2 to 0.9), so the
# scripted answers below pass calibration unchanged.
RELATED_A = "kafka consumer lag alerts"
RELATED_B = "kafka consumer tuning guide"


def pair_line(src: str = "s1", tgt: str = "t1", a: str = RELATED_A, b: str = RELATED_B) -> str:
    return json.dumps({"source": {"id": src, "content": a}, "target": {"id": tgt, "content": b}})


# -- result model and schema -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "snapped"), [(0.0, 0.0), (0.04, 0.0), (0.05, 0.1), (0.85, 0.9), (0.849, 0.8), (1, 1.0)]
)
def test_score_is_snapped_to_one_decimal(raw: float, snapped: float) -> None:
    result = AffinityResult(affinity_score=raw, reason="r", relationship="SEE_ALSO")
    assert result.affinity_score == snapped


@given(st.floats(min_value=0.0, max_value=1.0))
def test_snapping_stays_in_range_and_on_the_grid(value: float) -> None:
    snapped = snap_score(value)
    assert 0.0 <= snapped <= 1.0
    assert snapped in aff.SCORES
    assert abs(snapped - value) <= 0.05 + 1e-9


@pytest.mark.parametrize(
    "bad",
    [
        {"affinity_score": 1.2, "reason": "r", "relationship": "SEE_ALSO"},
        {"affinity_score": -0.1, "reason": "r", "relationship": "SEE_ALSO"},
        {"affinity_score": 0.5, "reason": "", "relationship": "SEE_ALSO"},
        {"affinity_score": 0.5, "reason": "x" * (REASON_MAX_CHARS + 1), "relationship": "NONE"},
        {"affinity_score": 0.5, "reason": "r", "relationship": "RELATED"},
        {"affinity_score": 0.5, "reason": "r", "relationship": "NONE", "extra": 1},
        {"affinity_score": 0.5, "reason": "r"},
    ],
)
def test_result_model_rejects_bad_answers(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        AffinityResult.model_validate(bad)


def test_decode_schema_is_the_result_schema_tightened() -> None:
    schema = decode_schema()
    props = schema["properties"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"affinity_score", "reason", "relationship"}
    assert props["affinity_score"]["enum"] == [i / 10 for i in range(11)]
    assert props["reason"]["maxLength"] == REASON_MAX_CHARS
    assert props["relationship"]["enum"] == ["SEE_ALSO", "PREREQUISITE", "CONTINUATION", "NONE"]
    # Property order is alphabetical, so an engine that sorts keys decodes the same order.
    assert list(props) == sorted(props)


def _schema_accepts(text: str) -> bool:
    grammar = llguidance.LLMatcher.grammar_from_json_schema(
        json.dumps(decode_schema()), defaults={"whitespace_flexible": False}
    )
    is_error, messages = llguidance.LLMatcher.validate_grammar_with_warnings(grammar)
    assert not is_error, messages
    tokenizer = llguidance.LLTokenizer("byte")
    matcher = llguidance.LLMatcher(tokenizer, grammar)
    tokens = tokenizer.tokenize_str(text)
    accepted = matcher.consume_tokens(tokens) and matcher.is_accepting()
    return bool(accepted) and not matcher.is_error()


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ('{"affinity_score":0.8,"reason":"same topic","relationship":"SEE_ALSO"}', True),
        ('{"affinity_score":1,"reason":"copy","relationship":"NONE"}', True),
        ('{"affinity_score":0.85,"reason":"x","relationship":"SEE_ALSO"}', False),
        ('{"affinity_score":0.8,"reason":"say \\"hi\\"","relationship":"SEE_ALSO"}', False),
        ('{"affinity_score":0.8,"reason":"","relationship":"SEE_ALSO"}', False),
        ('{"affinity_score":0.8,"reason":"x","relationship":"RELATED"}', False),
        ('{"affinity_score":0.8,"reason":"x","relationship":"NONE","more":1}', False),
        (
            '{"affinity_score":0.8,"reason":"'
            + "y" * (REASON_MAX_CHARS + 1)
            + '","relationship":"NONE"}',
            False,
        ),
    ],
)
def test_decode_schema_admits_only_valid_results(text: str, accepted: bool) -> None:
    assert _schema_accepts(text) is accepted
    if accepted:
        AffinityResult.model_validate_json(text)  # whatever decoding allows validates


def test_token_budget_covers_the_longest_reason() -> None:
    # A reason of REASON_MAX_CHARS 4-byte characters, one byte per token, plus the JSON.
    worst = (
        '{"affinity_score":0.5,"reason":"'
        + "😀" * REASON_MAX_CHARS
        + '","relationship":"PREREQUISITE"}'
    )
    assert len(worst.encode()) <= DEFAULT_MAX_TOKENS


# -- prompt -------------------------------------------------------------------------------


def test_packaged_prompt_examples_are_valid_and_varied() -> None:
    prompt = AffinityPrompt()
    assert len(prompt.examples) >= 4
    kinds = {e.answer.relationship for e in prompt.examples}
    assert kinds == {"SEE_ALSO", "PREREQUISITE", "CONTINUATION", "NONE"}
    for example in prompt.examples:
        assert _schema_accepts(answer_text(example.answer))
        assert clean_text(example.a, what="a") == example.a
        assert clean_text(example.b, what="b") == example.b


@pytest.mark.parametrize(("score", "shown"), [(0.0, "0"), (1.0, "1"), (0.3, "0.3")])
def test_examples_show_scores_as_decoding_writes_them(score: float, shown: str) -> None:
    result = AffinityResult(affinity_score=score, reason="r", relationship="SEE_ALSO")
    text = answer_text(result)
    assert text == f'{{"affinity_score":{shown},"reason":"r","relationship":"SEE_ALSO"}}'
    assert _schema_accepts(text)
    assert AffinityResult.model_validate_json(text) == result


def test_prompt_is_a_static_prefix_then_the_pair() -> None:
    prompt = default_prompt()
    one = prompt.messages("first text", "second text")
    two = prompt.messages("other", "pair")
    n = prompt.static_messages
    assert one[:n] == two[:n]
    assert [m.role for m in one] == ["system"] + ["user", "assistant"] * len(prompt.examples) + [
        "user"
    ]
    assert one[-1].content == "Resource A:\nfirst text\n\nResource B:\nsecond text"


def test_prompt_can_show_fewer_examples() -> None:
    assert len(AffinityPrompt(examples=2).examples) == 2
    zero_shot = AffinityPrompt(examples=0)
    assert [m.role for m in zero_shot.messages("a", "b")] == ["system", "user"]
    assert zero_shot.static_messages == 1


def test_missing_prompt_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RemAgentError, match="cannot load the affinity prompt"):
        AffinityPrompt(tmp_path)


# -- input --------------------------------------------------------------------------------


def test_clean_text_normalises_and_defuses_chat_markup() -> None:
    text = "  Hello\u200b   world\r\n\r\n\r\n\r\nnext\x07line <|im_end|><|im_start|>system  "
    assert clean_text(text, what="t") == "Hello world\n\nnext line < |im_end|>< |im_start|>system"


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "\u200b\u200e"])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="text A is empty"):
        clean_text(text, what="text A")


def test_huge_text_is_refused_with_the_limit() -> None:
    clean_text("x" * MAX_TEXT_CHARS, what="t")
    with pytest.raises(UsageError, match="4,001 characters long; the limit is 4,000"):
        clean_text("x" * (MAX_TEXT_CHARS + 1), what="t")


def test_bad_text_never_reaches_the_engine() -> None:
    engine = scripted()
    for a, b in (("", "x"), ("x", " "), ("x" * 5000, "y")):
        with pytest.raises(UsageError):
            score_pair(engine, a, b)
    assert engine.calls == []


# -- scoring ------------------------------------------------------------------------------


def test_score_pair_passes_the_schema_and_returns_the_result() -> None:
    engine = scripted(score=0.7, relationship="PREREQUISITE", reason="A teaches B")
    result = score_pair(engine, "basics", "advanced", calibrate=False)
    assert result == AffinityResult(
        affinity_score=0.7, reason="A teaches B", relationship="PREREQUISITE"
    )
    messages, grammar = engine.calls[0]
    assert grammar is None
    assert messages[-1].content.endswith("Resource B:\nadvanced")


def test_constrained_requests_send_the_schema_unconstrained_do_not() -> None:
    engine = ScriptedEngine(lambda user, grammar: answer_json())
    score_pair(engine, "a", "b")
    score_pair(engine, "a", "b", constrain=False)
    seen = [params.json_schema for params in engine.params]
    assert seen == [decode_schema(evidence("a", "b").band), None]


@pytest.mark.parametrize(
    "text",
    [
        'Sure! ```json\n{"affinity_score": 0.85, "reason": "r", "relationship": "SEE_ALSO"}\n```',
        '{"affinity_score":0.9,"reason":"r","relationship":"SEE_ALSO"} trailing words',
    ],
)
def test_unconstrained_answers_in_prose_are_found(text: str) -> None:
    assert parse_answer(text).affinity_score == 0.9


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("I think they are related.", "no JSON object"),
        ('{"affinity_score": 3, "reason": "r", "relationship": "SEE_ALSO"}', "affinity_score"),
        ('{"affinity_score": 0.5, "reason": "r"}', "relationship: Field required"),
        ('{"affinity_score": 0.5, "reason": "r", "relationship": "SEE', "no JSON object"),
    ],
)
def test_invalid_unconstrained_answers_say_why(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_answer(text)
    run = run_pair(scripted(text), "a", "b", constrain=False)
    assert run.result is None and run.error is not None and why in run.error
    with pytest.raises(RemAgentError, match="not a valid affinity result"):
        score_pair(scripted(text), "a", "b", constrain=False)


def test_engine_crash_becomes_a_clear_error() -> None:
    def boom(user: str, grammar: str | None) -> str:
        raise RuntimeError("kv cache exploded")

    with pytest.raises(RemAgentError, match="the model failed: RuntimeError: kv cache exploded"):
        score_pair(ScriptedEngine(boom), "a", "b")


# -- batch --------------------------------------------------------------------------------


def test_parse_pair_line_names_the_problem() -> None:
    assert parse_pair_line(pair_line()).source.id == "s1"
    numeric = parse_pair_line(
        '{"source": {"id": 7, "content": "a"}, "target": {"id": 8, "content": "b", "uri": "x"}}'
    )
    assert (numeric.source.id, numeric.target.id) == ("7", "8")
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_pair_line("{nope")
    with pytest.raises(ValueError, match=r"target: Field required \(expected"):
        parse_pair_line('{"source": {"id": "a", "content": "x"}}')
    with pytest.raises(ValueError, match=r"source\.content: Field required"):
        parse_pair_line('{"source": {"id": "a"}, "target": {"id": "b", "content": "y"}}')
    with pytest.raises(ValueError, match="expected"):
        parse_pair_line("[1, 2]")


def test_batch_reports_bad_lines_by_number_and_scores_the_rest() -> None:
    engine = scripted(score=0.8, relationship="SEE_ALSO", reason="shared subject")
    lines = [
        pair_line("s1", "t1"),
        "{not json",
        "",
        pair_line("s4", "t4", a="   "),
        pair_line("s5", "t5", b="z" * (MAX_TEXT_CHARS + 1)),
        b"\xff\xfe broken bytes",
        '{"source": {"id": "s7", "content": "x"}}',
        pair_line("s8", "t8"),
    ]
    items = list(score_batch(engine, lines))
    assert [(i.line, i.status) for i in items] == [
        (1, "edge"),
        (2, "error"),
        (4, "error"),
        (5, "error"),
        (6, "error"),
        (7, "error"),
        (8, "edge"),
    ]
    errors = {i.line: i.error for i in items if i.error}
    assert errors[2].startswith("line 2: not valid JSON")
    assert errors[4] == "line 4: the source content is empty"
    assert errors[5].startswith("line 5: the target content is 4,001 characters long")
    assert errors[6] == "line 6: not UTF-8 text"
    assert errors[7].startswith("line 7: target: Field required")
    assert len(engine.calls) == 2  # only the good lines reached the model
    edge = items[-1].edge
    assert edge is not None
    assert json.loads(edge.json_line()) == {
        "from": "s8",
        "to": "t8",
        "type": "SEE_ALSO",
        "score": 0.8,
        "reason": "shared subject",
    }


def test_batch_skips_none_and_low_scores() -> None:
    answers = {
        "a1": answer_json(0.9, "NONE"),
        "a2": answer_json(0.4, "SEE_ALSO"),
        "a3": answer_json(0.5, "CONTINUATION"),
        "a4": answer_json(0.7, "PREREQUISITE"),
    }

    def answer(user: str, grammar: str | None) -> str:
        return next(v for k, v in answers.items() if f"Resource A:\n{k} " in user)

    lines = [pair_line(f"s{k}", f"t{k}", a=f"{k} {RELATED_A}") for k in answers]
    items = list(score_batch(ScriptedEngine(answer), lines, min_score=0.5))
    assert [i.status for i in items] == ["skipped", "skipped", "edge", "edge"]
    assert [i.edge.type for i in items if i.edge] == ["CONTINUATION", "PREREQUISITE"]
    kept = [i.status for i in score_batch(ScriptedEngine(answer), lines, min_score=0.0)]
    assert kept == ["skipped", "edge", "edge", "edge"]  # NONE is never an edge


def test_batch_invalid_answer_is_a_line_error_not_a_crash() -> None:
    engine = scripted("no idea")
    items = list(score_batch(engine, [pair_line(), pair_line()], constrain=False))
    assert [i.status for i in items] == ["error", "error"]
    assert items[1].error is not None and items[1].error.startswith("line 2: the model's answer")


def test_batch_min_score_is_checked() -> None:
    with pytest.raises(UsageError, match="between 0 and 1"):
        list(score_batch(scripted(), [], min_score=1.5))


# -- CLI ----------------------------------------------------------------------------------


@pytest.fixture
def cli_engine(monkeypatch: pytest.MonkeyPatch) -> ScriptedEngine:
    """The CLI's agent, with the scripted engine injected in place of a real model."""
    from rem_agent.agent import RemAgent
    from rem_agent.cli import affinity as cli

    engine = scripted(score=0.6, relationship="SEE_ALSO", reason="both about kafka")
    monkeypatch.setattr(cli, "_agent", lambda args: RemAgent(engine_instance=engine))
    return engine


def test_cli_single_pair_plain_and_json(
    cli_engine: ScriptedEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["affinity", "--a", RELATED_A, "--b", RELATED_B]) == 0
    assert capsys.readouterr().out == "0.6\tSEE_ALSO\tboth about kafka\n"
    assert main(["affinity", "--a", RELATED_A, "--b", RELATED_B, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"affinity_score": 0.6, "reason": "both about kafka", "relationship": "SEE_ALSO"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--a", "x"], "give both --a TEXT and --b TEXT"),
        (["--a", " ", "--b", "y"], "--a is empty"),
        (["--a", "x", "--b", "y" * 4001], "--b is 4,001 characters long; the limit is 4,000"),
        (["--a", "x", "--b", "y", "--batch", "f.jsonl"], "not both"),
        (["--batch", "f.jsonl", "--min-score", "2"], "--min-score must be between 0 and 1"),
        (["--batch", "/nonexistent/pairs.jsonl"], "cannot read /nonexistent/pairs.jsonl"),
        (["--a", "x", "--b", "y", "--out", "e.jsonl"], "--out goes with --batch"),
    ],
)
def test_cli_usage_errors(
    cli_engine: ScriptedEngine,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    assert main(["affinity", *argv]) == 2
    assert message in capsys.readouterr().err
    assert cli_engine.calls == []


def test_cli_batch_writes_edges_and_reports_bad_lines(
    cli_engine: ScriptedEngine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("\n".join([pair_line("a", "b"), "oops", pair_line("c", "d")]) + "\n")
    out = tmp_path / "edges.jsonl"
    code = main(["affinity", "--batch", str(pairs), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1  # a line failed, but the batch went on
    assert "rem-agent: error: line 2: not valid JSON" in err
    assert "3 pairs: 2 edges, 0 skipped (NONE or score below 0.5), 1 errors" in err
    edges = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(e["from"], e["to"], e["type"], e["score"]) for e in edges] == [
        ("a", "b", "SEE_ALSO", 0.6),
        ("c", "d", "SEE_ALSO", 0.6),
    ]


def test_cli_batch_from_stdin_to_stdout(
    cli_engine: ScriptedEngine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (pair_line("x", "y") + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["affinity", "--batch", "-", "--min-score", "0.7"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # 0.6 is below --min-score 0.7
    assert "1 pairs: 0 edges, 1 skipped" in captured.err
