"""Pipeline variants side by side: same model, same dev cases, one run.

    python bench/bench_variants.py [--limit 60] [--dated-only]

- `default`: the shipped pipeline.
- `time optional`: the decode grammar does not require the named time (`require_time=False`).
- `dates in selection`: few-shot examples are picked on the whole request, date words included.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable, Iterator

import rem_agent.agent as agent_module
import rem_agent.prompts as prompts_module
from rem_agent.agent import RemAgent
from rem_agent.eval.dataset import load_cases, select_cases
from rem_agent.eval.runner import mode_report, run_case
from rem_agent.rem.grammar import DecodeSpec


class _TimeOptional(DecodeSpec):
    def __init__(self, **fields: object) -> None:
        super().__init__(**{**fields, "require_time": False})


@contextlib.contextmanager
def _patched(module: object, name: str, value: object) -> Iterator[None]:
    original = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, original)


VARIANTS: dict[str, Callable[[], contextlib.AbstractContextManager[None]]] = {
    "default": contextlib.nullcontext,
    "time optional": lambda: _patched(agent_module, "DecodeSpec", _TimeOptional),
    "dates in selection": lambda: _patched(prompts_module, "without_dates", lambda text, _: text),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--dated-only", action="store_true")
    args = parser.parse_args()
    cases = select_cases(load_cases("eval/devset.jsonl"), stratified=True, limit=args.limit)
    if args.dated_only:
        cases = [c for c in cases if c.names_time]
    agent = RemAgent(cache_size=0)
    agent.load()
    print(
        f"{len(cases)} dev cases (first {args.limit} stratified), 0.5B on {agent.describe()[0]}\n"
    )
    print("| variant | exact % | statement % | table % | time field % | dates % | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name, patch in VARIANTS.items():
        started = time.perf_counter()
        with patch():
            runs = [run_case(agent, c, constrained=True) for c in cases]
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
