"""Affinity with the bundled real models on a small labelled set (tests/data/affinity_labelled.jsonl).

Three kinds of pairs, none of them among the prompt's worked examples: `duplicate`
(identical or reworded copies), `related` (same project or system) and `unrelated`.
The default 0.5B model is a weak judge (docs/BENCHMARKS.md, "Edge affinity"): it ranks
copies above unrelated pairs only on average; the 1.5B model, when installed, must
rank every copy above every unrelated pair.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean

import pytest

from rem_agent.affinity import AffinityResult, run_pair
from rem_agent.engines import LlamaCppEngine, llama_cpp_available
from rem_agent.errors import RemAgentError

pytestmark = [
    pytest.mark.model,
    pytest.mark.slow,
    pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python is not installed"),
]

LABELLED = Path(__file__).parent / "data" / "affinity_labelled.jsonl"
_scored: dict[str, list[tuple[str, str, AffinityResult]]] = {}


def labelled() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()]


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
    identical = next(r for _, source, r in results if source == "dup-1")  # a verbatim copy
    assert identical.affinity_score > max(unrelated), results
    assert mean(duplicates) > mean(unrelated), results


def test_larger_model_ranks_every_copy_above_every_unrelated_pair() -> None:
    results = scores_of("qwen2.5-coder-1.5b")
    duplicates = by_label(results, "duplicate")
    related = by_label(results, "related")
    unrelated = by_label(results, "unrelated")
    assert min(duplicates) > max(unrelated), results
    assert mean(duplicates) > mean(related) > mean(unrelated), results
    assert all(r.relationship != "NONE" for kind, _, r in results if kind == "duplicate")
