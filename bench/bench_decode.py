"""Decoding speed: jump-forward against token-by-token and against free decoding, in one run.

    python bench/bench_decode.py [--cases eval/devset.jsonl] [--limit 40] [--no-adapter]

One agent (the shipped adapter and its compact prompt unless --no-adapter), warmed up,
answer cache off. Every request runs three ways, the order rotating per request so all
three see the same machine load:
- `jump-forward`: under the grammar, forced tokens appended in one batched step (default);
- `token by token`: under the grammar, one model step per token;
- `unconstrained`: no grammar (the same prompt and token budget).
Prints wall time per answer (mean, p50, p95), the ratios the decoding issue sets goals
for, model steps, the forced-token share per statement kind, and how many greedy answers
jump-forward changed (it should change none).
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict

from _cases import add_case_options, chosen_cases, sibling, translate_case, warm_agent

from rem_agent.agent import Translation
from rem_agent.evaluation.dataset import DevCase
from rem_agent.evaluation.metrics import percentile

VARIANTS = ("jump-forward", "token by token", "unconstrained")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_case_options(parser, cases="eval/devset.jsonl", limit=40)
    parser.add_argument("--no-adapter", action="store_true", help="base model, few-shot prompt")
    args = parser.parse_args()
    cases = chosen_cases(args)
    agent = warm_agent(adapter=not args.no_adapter)
    one_by_one = sibling(agent, jump_forward=False)

    def run(variant: str, case: DevCase) -> Translation:
        chosen = one_by_one if variant == "token by token" else agent
        return translate_case(chosen, case, constrain=variant != "unconstrained")

    runs: dict[str, list[Translation]] = {v: [] for v in VARIANTS}
    for i, case in enumerate(cases):
        order = VARIANTS[i % 3 :] + VARIANTS[: i % 3]
        for variant in order:
            runs[variant].append(run(variant, case))

    print(
        f"{len(cases)} requests from {args.cases} (stratified), warm, answer cache off, "
        f"{'base model' if args.no_adapter else 'adapter'}\n"
    )
    print("| variant | mean ms | p50 ms | p95 ms | generated tokens (mean) | forced | valid |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    means = {}
    for variant, results in runs.items():
        ms = [r.timings.total_ms for r in results]
        means[variant] = statistics.mean(ms)
        gen = statistics.mean(r.timings.decode.generated_tokens for r in results)
        forced = sum(r.timings.decode.forced_tokens for r in results)
        total = sum(r.timings.decode.generated_tokens for r in results) or 1
        valid = sum(r.valid for r in results)
        print(
            f"| {variant} | {means[variant]:.0f} | {statistics.median(ms):.0f} | "
            f"{percentile(ms, 95):.0f} | {gen:.1f} | {forced / total:.0%} | "
            f"{valid}/{len(results)} |"
        )
    jf, tbt, free = (means[v] for v in VARIANTS)
    print(f"\nwall time per answer, jump-forward / unconstrained: {jf / free:.2f} (goal <= 0.8)")
    print(f"wall time per answer, jump-forward / token by token: {jf / tbt:.2f}")
    same = sum(
        a.query == b.query for a, b in zip(runs[VARIANTS[0]], runs[VARIANTS[1]], strict=True)
    )
    print(f"same answer with and without jump-forward: {same}/{len(cases)}")

    by_kind: dict[str, list[Translation]] = defaultdict(list)
    for result in runs["jump-forward"]:
        by_kind[result.statement or "invalid"].append(result)
    print("\n| statement | requests | generated tokens | forced by the grammar | share |")
    print("|---|---:|---:|---:|---:|")
    for kind, results in sorted(by_kind.items()):
        gen = sum(r.timings.decode.generated_tokens for r in results)
        forced = sum(r.timings.decode.forced_tokens for r in results)
        print(f"| {kind} | {len(results)} | {gen} | {forced} | {forced / (gen or 1):.0%} |")


if __name__ == "__main__":
    main()
