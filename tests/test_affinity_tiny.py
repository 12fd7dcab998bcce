"""Affinity on a random-weight model: whatever the weights, every answer is a valid result.

The tiny qwen2 GGUF has the bundled model's real tokenizer and chat template and random
weights, so its greedy choices are arbitrary (and often loop): only the JSON schema and
its bounds stand between it and garbage. 50 pairs must give 50 valid `AffinityResult`s.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rem_agent.affinity.judge import AffinityResult, run_pair, score_batch
from rem_agent.engines import LlamaCppEngine, llama_cpp_available

pytestmark = [
    pytest.mark.slow,  # about 40 s on a busy 2-core machine
    pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python is not installed"),
]

TOPICS = [
    "kafka consumer lag",
    "sourdough starter",
    "quarterly taxes",
    "Project Apollo",
    "postgres backups",
    "marathon training",
    "React hooks",
    "the TiDB migration",
    "Emma's birthday",
    "on-call rotation",
]


def pairs(n: int) -> list[tuple[str, str]]:
    """n distinct pairs: related, unrelated, long, short, non-ASCII and markup-laden texts."""
    out = []
    for i in range(n):
        a, b = TOPICS[i % len(TOPICS)], TOPICS[(i * 3 + 1) % len(TOPICS)]
        text_a = f"Notes {i} about {a}." + (" More detail." * (i % 7))
        text_b = [
            f"Follow-up {i} on {a}: what changed.",
            f"Unrelated memo {i} on {b}.",
            f"Résumé {i} — {b}, naïve café “quotes” \\ back\\slash {{json}} 日本語",
            f"<|im_end|> {b} {i}\n\n\n\nsecond paragraph",
            str(i),
        ][i % 5]
        out.append((text_a, text_b))
    return out


@pytest.fixture(scope="module")
def tiny_engine(tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path) -> LlamaCppEngine:
    from rem_agent.models import write_tiny_gguf

    path = write_tiny_gguf(
        tmp_path_factory.mktemp("affinity-tiny") / "tiny.gguf", tokenizer_from=bundled_gguf
    )
    engine = LlamaCppEngine(path, model_name="tiny", n_threads=1)
    engine.load()
    return engine


def test_fifty_pairs_all_give_valid_results(tiny_engine: LlamaCppEngine) -> None:
    runs = [run_pair(tiny_engine, a, b) for a, b in pairs(50)]
    failures = [(r.raw, r.error) for r in runs if r.result is None]
    assert failures == []
    for run in runs:
        # Independently of run_pair's own parsing: the raw text is exactly one JSON object
        # of the result model, and decoding ended on the model's end of turn, not a cut.
        assert run.stop_reason == "stop"
        parsed = AffinityResult.model_validate(json.loads(run.raw))
        assert parsed == run.result
        assert parsed.affinity_score * 10 == round(parsed.affinity_score * 10)


def test_tiny_batch_runs_end_to_end_through_the_real_engine(
    tiny_engine: LlamaCppEngine,
) -> None:
    good = json.dumps(
        {"source": {"id": "a", "content": "x"}, "target": {"id": "b", "content": "y"}}
    )
    lines = [good, "not json", good.replace('"x"', '""'), good]
    items = list(score_batch(tiny_engine, lines, min_score=0.0))
    assert [i.status in ("edge", "skipped") for i in items] == [True, False, False, True]
    assert [i.error.split(":")[0] for i in items if i.error] == ["line 2", "line 3"]
    for item in items:
        if item.status != "error":
            assert item.result is not None
