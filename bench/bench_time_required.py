"""Side by side on the same model and cases: the decode grammar that requires the named time
(`DecodeSpec.require_time`, the default) against the one that only restricts date literals.

    python bench/bench_time_required.py [--limit 80]

Runs the dev-set cases that name a time among the first `--limit` stratified cases.
"""

from __future__ import annotations

import argparse
import time

import rem_agent.agent as agent_module
from rem_agent.agent import RemAgent
from rem_agent.eval.dataset import load_cases, select_cases
from rem_agent.eval.runner import mode_report, run_case
from rem_agent.rem.grammar import DecodeSpec


class _TimeOptional(DecodeSpec):
    def __init__(self, **fields: object) -> None:
        super().__init__(**{**fields, "require_time": False})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=80)
    args = parser.parse_args()
    cases = select_cases(load_cases("eval/devset.jsonl"), stratified=True, limit=args.limit)
    dated = [c for c in cases if c.names_time]
    agent = RemAgent(cache_size=0)
    agent.load()
    print(f"{len(dated)} dev cases that name a time, 0.5B on {agent.describe()[0]}\n")
    print("| grammar | exact % | statement % | time field % | dates % | seconds |")
    print("|---|---|---|---|---|---|")
    for name, spec in (("time required", DecodeSpec), ("time optional", _TimeOptional)):
        agent_module.DecodeSpec = spec  # type: ignore[misc]
        started = time.perf_counter()
        summary = mode_report(True, [run_case(agent, c, constrained=True) for c in dated]).summary
        c = summary.components
        print(
            f"| {name} | {summary.exact_pct:.1f} | {c['statement'].pct:.1f} | "
            f"{c['time_field'].pct:.1f} | {c['dates'].pct:.1f} | "
            f"{time.perf_counter() - started:.0f} |"
        )
    agent_module.DecodeSpec = DecodeSpec  # type: ignore[misc]


if __name__ == "__main__":
    main()
