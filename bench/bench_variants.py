"""Pipeline variants side by side: same model, same dev cases, one run.

    python bench/bench_variants.py [--limit 60] [--dated-only] [--variant NAME ...]

- `default`: the shipped pipeline.
- `free text`: quoted text may hold any characters, not only the request's words.
- `any time field`: every timestamp field is allowed, named by the request or not.
- `time optional`: the decode grammar does not require the named time.
- `no request narrowing`: all three above at once (the grammar knows only the
  language, the catalog and the resolved dates).
- `6 examples`: six few-shot examples instead of four.
"""

from __future__ import annotations

import argparse
import time

from _cases import sibling

from rem_agent.agent import RemAgent
from rem_agent.evaluation.dataset import load_cases, select_cases
from rem_agent.evaluation.runner import mode_report, run_case
from rem_agent.translate.spec import Narrowing

# Each variant is a setting of the agent's pipeline: nothing is patched.
VARIANTS: dict[str, Narrowing] = {
    "default": Narrowing(),
    "free text": Narrowing(words=False),
    "any time field": Narrowing(time_fields=False),
    "time optional": Narrowing(require_time=False),
    "no request narrowing": Narrowing(words=False, time_fields=False, require_time=False),
}
EXAMPLES = {"6 examples": 6}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--dated-only", action="store_true")
    parser.add_argument("--variant", action="append", choices=[*VARIANTS, *EXAMPLES])
    args = parser.parse_args()
    cases = select_cases(load_cases("eval/devset.jsonl"), stratified=True, limit=args.limit)
    if args.dated_only:
        cases = [c for c in cases if c.names_time]
    agent = RemAgent(cache_size=0, adapter=False)  # the variants are of the few-shot prompt
    agent.load()
    print(
        f"{len(cases)} dev cases (first {args.limit} stratified), 0.5B on {agent.describe()[0]}\n"
    )
    print("| variant | exact % | statement % | table % | time field % | dates % | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name in args.variant or [*VARIANTS, *EXAMPLES]:
        started = time.perf_counter()
        variant = sibling(
            agent, examples=EXAMPLES.get(name, 4), narrowing=VARIANTS.get(name, Narrowing())
        )
        runs = [run_case(variant, c, constrained=True) for c in cases]
        summary = mode_report(True, runs).summary
        c = summary.components
        print(
            f"| {name} | {summary.exact_pct:.1f} | {c['statement'].pct:.1f} | "
            f"{c['table'].pct:.1f} | {c['time_field'].pct:.1f} | {c['dates'].pct:.1f} | "
            f"{time.perf_counter() - started:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
