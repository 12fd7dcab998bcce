"""Calibrate the answer's confidence on one labelled set; report it on others.

    python bench/bench_confidence.py --fit eval/devset.jsonl \
        --report eval/heldout.jsonl eval/blind.jsonl [--limit N] [--no-adapter] \
        [--write adapters/qwen2.5-coder-0.5b-rem/calibration.json]

Every case is translated once (constrained, answer cache off). The calibration is fitted
on `--fit` only (the dev set: the set the project tunes against), never on a report set.
For each set it prints the exact rate, the expected calibration error (ECE, 10 bins) of
the raw and the calibrated confidence, the exact rate of the most confident 80% of
answers, and what a threshold of 0.7 (the peer rem-query-agent's) keeps and gets right.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rem_agent.agent import RemAgent
from rem_agent.evaluation.dataset import load_cases, select_cases
from rem_agent.evaluation.runner import CaseRun, run_case
from rem_agent.translate.confidence import Calibration, calibration_error, confidence, fit

THRESHOLD = 0.7


def runs_of(agent: RemAgent, path: str, limit: int | None) -> list[CaseRun]:
    cases = select_cases(load_cases(path), limit=limit, stratified=True)
    return [run_case(agent, case, constrained=True) for case in cases]


def scored(runs: list[CaseRun], calibration: Calibration | None) -> list[tuple[float, bool]]:
    return [
        (confidence(r.timings.decode, calibration) if r.score.valid else 0.0, r.score.exact)
        for r in runs
    ]


def at_coverage(pairs: list[tuple[float, bool]], share: float) -> float:
    """Exact rate of the most confident `share` of answers."""
    kept = sorted(pairs, key=lambda p: -p[0])[: max(1, round(share * len(pairs)))]
    return 100 * sum(r for _, r in kept) / len(kept)


def row(name: str, runs: list[CaseRun], calibration: Calibration) -> str:
    raw, calibrated = scored(runs, None), scored(runs, calibration)
    exact = 100 * sum(r.score.exact for r in runs) / len(runs)
    kept = [(c, r) for c, r in calibrated if c >= THRESHOLD]
    kept_exact = 100 * sum(r for _, r in kept) / len(kept) if kept else 0.0
    return (
        f"| {name} | {len(runs)} | {exact:.1f} | {calibration_error(raw):.3f} | "
        f"{calibration_error(calibrated):.3f} | {at_coverage(calibrated, 0.8):.1f} | "
        f"{100 * len(kept) / len(runs):.0f}% at {kept_exact:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fit", default="eval/devset.jsonl")
    parser.add_argument("--report", nargs="*", default=["eval/heldout.jsonl"])
    parser.add_argument("--limit", type=int, help="stratified sample of each set")
    parser.add_argument("--no-adapter", action="store_true")
    parser.add_argument("--write", type=Path, help="write the fitted calibration here")
    args = parser.parse_args()
    agent = RemAgent(cache_size=0, adapter=not args.no_adapter)
    agent.load()
    fitted = runs_of(agent, args.fit, args.limit)
    calibration = fit(
        [(r.timings.decode, r.score.exact) for r in fitted if r.score.valid],
        fitted_on=f"{args.fit} ({len(fitted)} cases, {agent.describe()[1]}, "
        f"adapter {agent.adapter_name or 'none'})",
    )
    print(f"calibration: {calibration.model_dump_json()}\n")
    print(
        "| set | n | exact % | ECE raw | ECE calibrated | exact % at 80% coverage "
        f"| kept at >= {THRESHOLD} |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    print(row(f"{args.fit} (fitted on)", fitted, calibration))
    for path in args.report:
        print(row(path, runs_of(agent, path, args.limit), calibration), flush=True)
    if args.write:
        args.write.write_text(calibration.model_dump_json(indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.write}")


if __name__ == "__main__":
    main()
