"""Affinity with the bundled real models on labelled pairs.

tests/data/affinity_labelled.jsonl (the tuning set) has three kinds of pairs, none of them
among the prompt's worked examples: `duplicate` (identical or reworded copies), `related`
(same project or system) and `unrelated`. eval/affinity_heldout.jsonl holds 75 pairs
written apart from the prompt and the calibration thresholds. The default judge (the
0.5B, calibrated by the words a pair shares) must be sound on both: an unrelated pair
scores at most 0.3 or is judged NONE, a near-duplicate scores at least 0.7.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean

import pytest

from rem_agent.affinity.judge import AffinityResult, run_pair
from rem_agent.engines import LlamaCppEngine, llama_cpp_available
from rem_agent.errors import RemAgentError

pytestmark = [
    pytest.mark.model,
    pytest.mark.slow,
    pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python is not installed"),
]

LABELLED = Path(__file__).parent / "data" / "affinity_labelled.jsonl"
HELD_OUT = Path(__file__).parent.parent / "eval" / "affinity_heldout.jsonl"
_scored: dict[str, list[tuple[str, str, AffinityResult]]] = {}


def labelled(path: Path = LABELLED) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def sound(label: str, result: AffinityResult) -> bool:
    if label == "unrelated":
        return result.affinity_score <= 0.3 or result.relationship == "NONE"
    assert label == "duplicate"
    return result.affinity_score >= 0.7


def scores_of(model: str) -> list[tuple[str, str, AffinityResult]]:
    """(label, source id, result) for every labelled pair, scored once per model."""
    if model not in _scored:
        from rem_agent.models.bundle import ensure_gguf

        try:
            path = ensure_gguf(model)
        except RemAgentError as exc:
            pytest.skip(f"{model} is not installed: {exc}")
        # One thread: on a shared, busy machine llama.cpp's second thread mostly waits.
        engine = LlamaCppEngine(path, model_name=model, n_threads=1)
        out = []
        for case in labelled():
            run = run_pair(engine, case["source"]["content"], case["target"]["content"])
            assert run.result is not None, run.error  # constrained: always a valid result
            out.append((case["label"], case["source"]["id"], run.result))
        _scored[model] = out
    return _scored[model]


def by_label(results: list[tuple[str, str, AffinityResult]], label: str) -> list[float]:
    return [r.affinity_score for kind, _, r in results if kind == label]


def test_labelled_set_is_balanced() -> None:
    kinds = [case["label"] for case in labelled()]
    assert {k: kinds.count(k) for k in set(kinds)} == {"duplicate": 3, "related": 3, "unrelated": 3}


def test_default_model_scores_copies_above_unrelated_pairs() -> None:
    results = scores_of("qwen2.5-coder-0.5b")
    duplicates, unrelated = by_label(results, "duplicate"), by_label(results, "unrelated")
    assert min(duplicates) > max(unrelated), results
    assert all(sound(kind, r) for kind, _, r in results if kind != "related"), results


def test_default_judge_is_sound_on_held_out_copies_and_unrelated_pairs() -> None:
    from rem_agent.models.bundle import ensure_gguf

    engine = LlamaCppEngine(ensure_gguf("qwen2.5-coder-0.5b"), n_threads=1)
    cases = [c for c in labelled(HELD_OUT) if c["label"] in ("duplicate", "unrelated")]
    assert len(cases) == 30
    unsound = []
    for case in cases:
        run = run_pair(engine, case["source"]["content"], case["target"]["content"])
        assert run.result is not None, run.error
        if not sound(case["label"], run.result):
            unsound.append((case["source"]["id"], run.evidence.band.name, run.result))
    assert unsound == []


def test_larger_model_ranks_every_copy_above_every_unrelated_pair() -> None:
    results = scores_of("qwen2.5-coder-1.5b")
    duplicates = by_label(results, "duplicate")
    related = by_label(results, "related")
    unrelated = by_label(results, "unrelated")
    assert min(duplicates) > max(unrelated), results
    assert mean(duplicates) > mean(related) > mean(unrelated), results
    assert all(r.relationship != "NONE" for kind, _, r in results if kind == "duplicate")
