"""Warm latency of the base model (few-shot prompt) against the adapted model (compact
prompt), side by side in one process on the same requests.

    python bench/bench_adapter.py [--cases eval/devset.jsonl] [--limit 40] [--adapter DIR]

Both agents are loaded first and warmed up on one request each; then every request runs
on both, the order alternating per request, so both see the same machine load. Cache
off. Prints p50/p95 per variant, their ratio, and the prompt tokens prefilled and cached.
"""

from __future__ import annotations

import argparse
import statistics
from datetime import datetime

from rem_agent.agent import RemAgent, Translation
from rem_agent.eval.dataset import load_cases, select_cases
from rem_agent.eval.metrics import percentile


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default="eval/devset.jsonl")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--adapter", help="adapter folder (default: the shipped one)")
    args = parser.parse_args()
    cases = select_cases(load_cases(args.cases), limit=args.limit, stratified=True)
    variants = {
        "base, few-shot": RemAgent(adapter=False, cache_size=0),
        "adapter, compact": RemAgent(adapter=args.adapter or True, cache_size=0),
    }
    for agent in variants.values():
        agent.load()
        agent.translate("warm-up: notes about kafka")
    runs: dict[str, list[Translation]] = {name: [] for name in variants}
    names = list(variants)
    for i, case in enumerate(cases):
        for name in names if i % 2 == 0 else names[::-1]:
            runs[name].append(
                variants[name].translate(
                    case.nl, now=datetime.fromisoformat(case.now), tz=case.tz, profile=case.profile
                )
            )
    print(f"{len(cases)} requests from {args.cases} (stratified), warm, cache off\n")
    print("| variant | p50 ms | p95 ms | prefilled tokens (median) | cached (median) | valid |")
    print("|---|---:|---:|---:|---:|---:|")
    p50s = {}
    for name, results in runs.items():
        ms = [r.timings.total_ms for r in results]
        p50s[name] = statistics.median(ms)
        prefill = statistics.median(r.timings.prefill_tokens for r in results)
        cached = statistics.median(r.timings.cached_prompt_tokens for r in results)
        valid = sum(r.valid for r in results)
        print(
            f"| {name} | {p50s[name]:.0f} | {percentile(ms, 95):.0f} | {prefill:.0f} | "
            f"{cached:.0f} | {valid}/{len(results)} |"
        )
    base, adapted = p50s[names[0]], p50s[names[1]]
    print(f"\np50 adapter / base: {adapted / base:.2f}")


if __name__ == "__main__":
    main()
