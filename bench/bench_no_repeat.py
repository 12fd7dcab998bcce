"""What undoing verbatim repeats saves: the same requests with and without it, one run.

    python bench/bench_no_repeat.py [--cases eval/fresh.jsonl] [--limit 72] [--adapter]

The base model with its few-shot prompt by default (it is the one that loops; the
shipped adapter rarely does), answer cache off, jump-forward on. Each request runs with
`no_repeat` on and off, the order alternating. Prints tokens generated, wall time,
requests where a repeat was undone, exact match (evaluation.metrics), and every request whose
answer changed.
"""

from __future__ import annotations

import argparse
import statistics

from _cases import add_case_options, chosen_cases, sibling, warm_agent

from rem_agent.evaluation.runner import CaseRun, run_case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_case_options(parser, cases="eval/fresh.jsonl", limit=72)
    parser.add_argument("--adapter", action="store_true", help="the shipped adapter instead")
    args = parser.parse_args()
    cases = chosen_cases(args)
    agent = warm_agent(adapter=args.adapter)
    agents = {True: agent, False: sibling(agent, no_repeat=False)}
    runs: dict[bool, list[CaseRun]] = {True: [], False: []}
    for i, case in enumerate(cases):
        for on in (True, False) if i % 2 == 0 else (False, True):
            runs[on].append(run_case(agents[on], case, constrained=True))
    undone = sum(r.timings.decode.repeats_undone > 0 for r in runs[True])
    print(
        f"{len(cases)} requests from {args.cases} (stratified), "
        f"{'adapter' if args.adapter else 'base model, few-shot'}, answer cache off\n"
    )
    print("| no_repeat | tokens generated | mean ms | exact | valid |")
    print("|---|---:|---:|---:|---:|")
    for on in (True, False):
        results = runs[on]
        tokens = sum(r.timings.decode.generated_tokens for r in results)
        ms = statistics.mean(r.timings.total_ms for r in results)
        exact = sum(r.score.exact for r in results)
        valid = sum(r.score.valid for r in results)
        print(
            f"| {'on' if on else 'off'} | {tokens} | {ms:.0f} | {exact}/{len(results)} | "
            f"{valid}/{len(results)} |"
        )
    saved = sum(r.timings.decode.generated_tokens for r in runs[False]) - sum(
        r.timings.decode.generated_tokens for r in runs[True]
    )
    print(f"\ntokens saved: {saved}; requests where a repeat was undone: {undone}")
    changed = [
        (a, b) for a, b in zip(runs[True], runs[False], strict=True) if a.predicted != b.predicted
    ]
    print(f"answers changed: {len(changed)}")
    for on_run, off_run in changed:
        print(
            f"- {on_run.nl!r}\n  on:  {on_run.predicted} ({on_run.generated_tokens} tokens)\n"
            f"  off: {off_run.predicted} ({off_run.generated_tokens} tokens; raw "
            f"{(off_run.raw_output or '')[:160]!r})"
        )


if __name__ == "__main__":
    main()
