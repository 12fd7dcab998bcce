"""Summarise a `rem-agent eval --trace` file (also a partial one, from an interrupted run).

    python eval/trace_summary.py TRACE.jsonl [--both]

Prints the same Markdown tables as `rem-agent eval`. With `--both`, only cases that
finished in every mode are counted, so the columns compare the same requests.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rem_agent.evaluation.runner import CaseRun, EvalReport, markdown, mode_report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("--both", action="store_true", help="only cases done in every mode")
    args = parser.parse_args()
    runs: dict[bool, list[CaseRun]] = {}
    for line in Path(args.trace).read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            data.pop("mode", None)
            run = CaseRun.model_validate(data)
            runs.setdefault(run.constrained, []).append(run)
    if args.both and len(runs) > 1:
        common = set.intersection(*({r.id for r in rs} for rs in runs.values()))
        runs = {m: [r for r in rs if r.id in common] for m, rs in runs.items()}
    modes = [m for m in (True, False) if m in runs]
    report = EvalReport(
        dataset=args.trace,
        engine="(from trace)",
        model="(from trace)",
        examples=0,
        started_at="",
        n_cases=max(len(rs) for rs in runs.values()),
        modes=[mode_report(m, runs[m]) for m in modes],
    )
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
