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

from _cases import add_case_options, chosen_cases, translate_case, warm_agent

from rem_agent.agent import Translation
from rem_agent.evaluation.metrics import percentile


def main() -> None:
    parser = argparse.ArgumentParser()
    add_case_options(parser, cases="eval/devset.jsonl", limit=40)
    parser.add_argument("--adapter", help="adapter folder (default: the shipped one)")
    args = parser.parse_args()
    cases = chosen_cases(args)
    variants = {
        "base, few-shot": warm_agent(adapter=False),
        "adapter, compact": warm_agent(adapter=args.adapter or True),
    }
    runs: dict[str, list[Translation]] = {name: [] for name in variants}
    names = list(variants)
    for i, case in enumerate(cases):
        for name in names if i % 2 == 0 else names[::-1]:
            runs[name].append(translate_case(variants[name], case))
    print(f"{len(cases)} requests from {args.cases} (stratified), warm, cache off\n")
    print("| variant | p50 ms | p95 ms | prefilled tokens (median) | cached (median) | valid |")
    print("|---|---:|---:|---:|---:|---:|")
    p50s = {}
    for name, results in runs.items():
        ms = [r.timings.total_ms for r in results]
        p50s[name] = statistics.median(ms)
        prefill = statistics.median(r.timings.decode.prefill_tokens for r in results)
        cached = statistics.median(r.timings.decode.cached_prompt_tokens for r in results)
        valid = sum(r.valid for r in results)
        print(
            f"| {name} | {p50s[name]:.0f} | {percentile(ms, 95):.0f} | {prefill:.0f} | "
            f"{cached:.0f} | {valid}/{len(results)} |"
        )
    base, adapted = p50s[names[0]], p50s[names[1]]
    print(f"\np50 adapter / base: {adapted / base:.2f}")


if __name__ == "__main__":
    main()
