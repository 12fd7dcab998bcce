"""The lexical evidence that bounds affinity scores, and the schema it gives the decoder."""

from __future__ import annotations

import json

import llguidance
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rem_agent.affinity.evidence import BANDS, evidence, subject_words
from rem_agent.affinity.judge import AffinityResult, calibrated, decode_schema

LENTILS = "Recipe: slow-cooked lentil soup with cumin, carrots and lemon"
Q4 = (
    "Q4 planning notes: budget allocation for the platform team, hiring two engineers, "
    "cloud spend targets"
)


def _accepts(schema: dict, text: str) -> bool:
    grammar = llguidance.LLMatcher.grammar_from_json_schema(
        json.dumps(schema), defaults={"whitespace_flexible": False}
    )
    tokenizer = llguidance.LLTokenizer("byte")
    matcher = llguidance.LLMatcher(tokenizer, grammar)
    ok = matcher.consume_tokens(tokenizer.tokenize_str(text)) and matcher.is_accepting()
    return bool(ok) and not matcher.is_error()


def answer(score: float, relationship: str = "SEE_ALSO") -> str:
    score_text = str(int(score)) if float(score).is_integer() else str(score)
    return f'{{"affinity_score":{score_text},"reason":"r","relationship":"{relationship}"}}'


def test_no_shared_subject_word_is_the_unrelated_band() -> None:
    found = evidence(Q4, LENTILS)
    assert found.shared == ()
    assert found.band.name == "unrelated" and found.band.high == 0.3


def test_format_words_and_numbers_are_not_a_shared_subject() -> None:
    a = "Meeting notes, Monday 12 March: vendor contract renewal, plan for Q4 review"
    b = "Meeting notes, Monday 12 March: school play rehearsal plan, Q4 review"
    found = evidence(a, b)
    assert found.band.name == "unrelated", found
    assert subject_words("Team checklist for Q3, week 2, 2026") == frozenset()


def test_near_copies_are_the_near_duplicate_band() -> None:
    a = "Runbook: rotate the TLS certificates on the ingress, then reload nginx on every node."
    b = "Runbook: rotate TLS certificates on the ingress and reload nginx on each node."
    found = evidence(a, b)
    assert found.band.name == "near-duplicate"
    assert evidence(a, a).jaccard == 1.0


def test_some_shared_words_are_weak_or_related() -> None:
    assert evidence("kafka consumer lag alerts", "kafka consumer tuning guide").band.name == (
        "related"
    )
    assert evidence("Chen's vet visit for the cat", "Paper by Chen on graph search").band.name == (
        "weak"
    )


@given(st.text(max_size=80), st.text(max_size=80))
def test_evidence_is_symmetric_and_bounded(a: str, b: str) -> None:
    one, other = evidence(a, b), evidence(b, a)
    assert one == other
    assert 0.0 <= one.jaccard <= 1.0
    assert (one.band.name == "unrelated") == (one.shared == ())


def test_each_band_schema_admits_exactly_its_scores() -> None:
    for band in BANDS.values():
        schema = decode_schema(band)
        for tenth in range(11):
            score = tenth / 10
            assert _accepts(schema, answer(score)) == (band.low <= score <= band.high), (
                band,
                score,
            )
        for relationship in ("SEE_ALSO", "PREREQUISITE", "CONTINUATION", "NONE"):
            allowed = band.relationships is None or relationship in band.relationships
            assert _accepts(schema, answer(band.high, relationship)) == allowed


def test_unrelated_band_refuses_the_models_old_answer() -> None:
    # The 0.5B's answer for the budget memo and the soup recipe, before calibration.
    schema = decode_schema(evidence(Q4, LENTILS).band)
    assert not _accepts(schema, answer(0.9))
    assert _accepts(schema, answer(0, "NONE"))


@pytest.mark.parametrize(
    ("score", "relationship", "band", "expected"),
    [
        (0.9, "SEE_ALSO", "unrelated", (0.3, "SEE_ALSO")),
        (0.1, "NONE", "near-duplicate", (0.8, "SEE_ALSO")),
        (0.9, "CONTINUATION", "near-duplicate", (0.9, "SEE_ALSO")),
        (0.6, "PREREQUISITE", "related", (0.6, "PREREQUISITE")),
        (0.0, "NONE", "related", (0.2, "NONE")),
    ],
)
def test_calibrated_moves_an_unconstrained_answer_into_its_band(
    score: float, relationship: str, band: str, expected: tuple[float, str]
) -> None:
    found = evidence("x", "y").model_copy(update={"band": BANDS[band]})  # type: ignore[index]
    result = AffinityResult(affinity_score=score, reason="r", relationship=relationship)  # type: ignore[arg-type]
    moved = calibrated(result, found)
    assert (moved.affinity_score, moved.relationship) == expected
    assert moved.reason == "r"
