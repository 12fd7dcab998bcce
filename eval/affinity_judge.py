"""How sound the affinity judge is, per relationship, with and without calibration.

    python eval/affinity_judge.py                     # bundled 0.5B, both sets, both variants
    python eval/affinity_judge.py --out runs.jsonl    # also every answer, one JSON line each

Sets: `tests/data/affinity_labelled.jsonl` (the tuning set: the calibration thresholds
were chosen on it and on the prompt's examples) and `eval/affinity_heldout.jsonl` (75
pairs written by someone who saw neither the prompt nor the thresholds). Variants, on the
same engine in one process: `calibrated` (the default: the schema admits only the scores
the pair's shared words allow) and `model alone` (`calibrate=False`).

Soundness, as the issue states it: an unrelated pair scores at most 0.3 or is judged
NONE; a near-duplicate scores at least 0.7. Related labels are reported, not judged:
their mean score and how often the relationship matches the label.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from rem_agent.affinity.judge import AffinityResult, run_pair
from rem_agent.engines import LlamaCppEngine
from rem_agent.models.bundle import ensure_gguf

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "tuning": ROOT / "tests" / "data" / "affinity_labelled.jsonl",
    "held-out": ROOT / "eval" / "affinity_heldout.jsonl",
}
EXPECTED = {  # label -> the relationship it should get
    "duplicate": "SEE_ALSO",
    "see_also": "SEE_ALSO",
    "related": None,  # the tuning set's loose label: any linking relationship
    "prerequisite": "PREREQUISITE",
    "continuation": "CONTINUATION",
    "unrelated": "NONE",
}


def sound(label: str, result: AffinityResult) -> bool | None:
    if label == "unrelated":
        return result.affinity_score <= 0.3 or result.relationship == "NONE"
    if label == "duplicate":
        return result.affinity_score >= 0.7
    return None


def relationship_ok(label: str, result: AffinityResult) -> bool:
    want = EXPECTED[label]
    if want is None:
        return result.relationship != "NONE"
    return result.relationship == want


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", help="bundled model name")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write every answer here as JSON lines")
    parser.add_argument(
        "--calibrated-only", action="store_true", help="skip the model-alone variant"
    )
    args = parser.parse_args()

    engine = LlamaCppEngine(ensure_gguf(args.model), model_name=args.model, n_threads=args.threads)
    engine.load()
    rows = []
    started = time.perf_counter()
    for set_name, path in SETS.items():
        cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        for i, case in enumerate(cases, 1):
            variants = [("calibrated", True), ("model alone", False)]
            for variant, calibrate in variants[:1] if args.calibrated_only else variants:
                run = run_pair(
                    engine,
                    case["source"]["content"],
                    case["target"]["content"],
                    calibrate=calibrate,
                )
                assert run.result is not None, run.error  # constrained: always valid
                rows.append(
                    {
                        "set": set_name,
                        "variant": variant,
                        "label": case["label"],
                        "id": case["source"]["id"],
                        "band": run.evidence.band.name,
                        "result": run.result.model_dump(),
                        "ms": run.stats.total_ms if run.stats else None,
                    }
                )
            print(
                f"{set_name} {i}/{len(cases)}  {time.perf_counter() - started:.0f}s",
                file=sys.stderr,
                flush=True,
            )
    if args.out:
        args.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report(rows)
    return 0


def report(rows: list[dict]) -> None:
    print("| set | label | n | variant | sound | relationship right | mean score |")
    print("|---|---|---:|---|---:|---:|---:|")
    keys = dict.fromkeys((r["set"], r["label"], r["variant"]) for r in rows)
    for set_name, label, variant in sorted(keys, key=lambda k: (k[0] != "tuning", k[1], k[2])):
        group = [
            r for r in rows if (r["set"], r["label"], r["variant"]) == (set_name, label, variant)
        ]
        results = [AffinityResult.model_validate(r["result"]) for r in group]
        verdicts = [sound(label, x) for x in results]
        shown = "–" if verdicts[0] is None else f"{sum(bool(v) for v in verdicts)}/{len(verdicts)}"
        rel = sum(relationship_ok(label, x) for x in results)
        mean = statistics.mean(x.affinity_score for x in results)
        print(
            f"| {set_name} | {label} | {len(group)} | {variant} | {shown} | "
            f"{rel}/{len(group)} | {mean:.2f} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
