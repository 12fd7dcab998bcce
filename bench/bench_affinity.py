"""Benchmark edge affinity: pairs per second and JSON validity, constrained vs unconstrained.

    python bench/bench_affinity.py                              # bundled 0.5B, labelled pairs
    python bench/bench_affinity.py --model qwen2.5-coder-1.5b   # another bundled model
    python bench/bench_affinity.py --threads 2                  # llama.cpp threads (default 1)
    python bench/bench_affinity.py --zero-shot                  # also without worked examples

Both modes score the same pairs (tests/data/affinity_labelled.jsonl: 3 duplicate, 3
related, 3 unrelated) with the same engine, prompt and token budget, in one process. One
warm-up pair first prefills the static prompt and compiles the schema, so neither mode
pays for that; it is reported on its own. `--zero-shot` adds both modes with the system
prompt alone (no worked examples), where the format is not shown, only described; its
token budget is --zero-shot-tokens (default 200; a JSON answer needs about 40).

Validity, per answer: `strict` = the whole output is one JSON object that validates as an
`AffinityResult`; `found` = a valid object can be found in it (what `score_pair` accepts).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from pydantic import ValidationError

from rem_agent.affinity.judge import AffinityPrompt, AffinityResult, AffinityRun, run_pair
from rem_agent.engines import LlamaCppEngine
from rem_agent.models.bundle import ensure_gguf

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "tests" / "data" / "affinity_labelled.jsonl"
WARM_UP = ("Notes on sharding a Postgres table by tenant.", "Postgres partitioning basics.")


def strictly_valid(raw: str) -> bool:
    try:
        AffinityResult.model_validate(json.loads(raw))
    except (json.JSONDecodeError, ValidationError):
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b", help="bundled model name")
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads (default 1)")
    parser.add_argument("--pairs", type=Path, default=PAIRS, help="labelled JSONL pairs")
    parser.add_argument("--zero-shot", action="store_true", help="also run without examples")
    parser.add_argument("--zero-shot-tokens", type=int, default=200, metavar="N")
    args = parser.parse_args()

    cases = [json.loads(line) for line in args.pairs.read_text().splitlines() if line.strip()]
    load_before = os.getloadavg()[0]
    engine = LlamaCppEngine(ensure_gguf(args.model), model_name=args.model, n_threads=args.threads)
    started = time.perf_counter()
    engine.load()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    run_pair(engine, *WARM_UP)
    warm_s = time.perf_counter() - started

    few_shot = AffinityPrompt()
    modes = [("constrained", True, few_shot, None), ("unconstrained", False, few_shot, None)]
    if args.zero_shot:
        zero = AffinityPrompt(examples=0)
        budget = args.zero_shot_tokens
        modes += [("0-shot constr.", True, zero, budget), ("0-shot unconstr.", False, zero, budget)]
    runs: dict[str, list[tuple[dict, AffinityRun, float]]] = {}
    for mode, constrain, prompt, max_tokens in modes:
        runs[mode] = []
        extra = {"max_tokens": max_tokens} if max_tokens else {}
        for case in cases:
            t0 = time.perf_counter()
            run = run_pair(
                engine,
                case["source"]["content"],
                case["target"]["content"],
                constrain=constrain,
                prompt=prompt,
                **extra,
            )
            runs[mode].append((case, run, time.perf_counter() - t0))

    print(
        f"{args.model} on llama.cpp, {args.threads} thread(s), {platform.machine()}, "
        f"python {platform.python_version()}; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after on {os.cpu_count()} CPUs"
    )
    print(
        f"load {load_s:.1f} s; warm-up pair (prefill static prompt + compile schema) {warm_s:.1f} s"
    )
    print(
        f"{len(cases)} pairs per mode, greedy, {len(few_shot.examples)} worked examples, "
        f"max_tokens {run_pair.__kwdefaults__['max_tokens']}"
        + (f" ({args.zero_shot_tokens} zero-shot)" if args.zero_shot else "")
    )
    print()
    header = (
        f"{'mode':16} {'pairs/s':>7} {'p50 s':>6} {'max s':>6} {'gen tok':>7} "
        f"{'strict':>7} {'found':>6} {'cut':>4}  mean score dup / rel / unrel"
    )
    print(header)
    for mode, items in runs.items():
        seconds = [s for _, _, s in items]
        strict = sum(strictly_valid(run.raw) for _, run, _ in items)
        found = sum(run.result is not None for _, run, _ in items)
        cut = sum(run.stop_reason == "length" for _, run, _ in items)
        tokens = statistics.mean(run.stats.generated_tokens for _, run, _ in items if run.stats)
        by_label = {}
        for label in ("duplicate", "related", "unrelated"):
            scores = [
                run.result.affinity_score
                for case, run, _ in items
                if case.get("label") == label and run.result is not None
            ]
            by_label[label] = f"{statistics.mean(scores):.2f}" if scores else "-"
        print(
            f"{mode:16} {len(items) / sum(seconds):7.2f} {statistics.median(seconds):6.1f} "
            f"{max(seconds):6.1f} {tokens:7.1f} {strict:>4}/{len(items):<2} "
            f"{found:>3}/{len(items):<2} {cut:>4}  "
            f"{by_label['duplicate']} / {by_label['related']} / {by_label['unrelated']}"
        )
    print()
    invalid = [(mode, case, run) for mode, items in runs.items() for case, run, _ in items]
    for mode, case, run in invalid:
        if run.result is None:
            print(f"invalid ({mode}, {case['source']['id']}): {run.error}")
    print("per pair: " + " | ".join(runs))
    for i, case in enumerate(cases):
        shown = " | ".join(f"{_show(items[i][1]):20}" for items in runs.values())
        print(f"  {case.get('label', '?'):10} {case['source']['id']:8} {shown}")
    return 0


def _show(run: AffinityRun) -> str:
    if run.result is None:
        return "invalid: " + run.raw[:13].replace("\n", " ")
    return f"{run.result.affinity_score:.1f} {run.result.relationship}"


def _show(run: AffinityRun) -> str:
    if run.result is None:
        return "invalid: " + run.raw[:11].replace("\n", " ")
    return f"{run.result.affinity_score:.1f} {run.result.relationship}"


if __name__ == "__main__":
    sys.exit(main())
