"""`rem-agent eval`: run a dev set, print a Markdown summary, write the per-case report."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from rem_agent.cli.common import add_model_options, agent_from_args, status
from rem_agent.errors import UsageError
from rem_agent.evaluation.dataset import load_cases, select_cases
from rem_agent.evaluation.runner import CaseRun, Variant, markdown, run_eval, variants_for
from rem_agent.rem.profile import Profile, parse_profile


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="measure translation quality on a dev set (JSONL)",
        description=(
            "Translate every case of a dev set (one JSON object per line: id, nl, now, tz, "
            "profile, expected, accept, category) and score the answers: valid %, exact %, "
            "component accuracy, latency. Prints a Markdown summary on stdout."
        ),
    )
    parser.add_argument("file", metavar="FILE.jsonl", help="the dev set, e.g. eval/devset.jsonl")
    add_model_options(parser)
    parser.add_argument(
        "--profile",
        choices=[p.value for p in Profile],
        help="only the cases written for this profile (default: all, each in its own)",
    )
    parser.add_argument(
        "--catalog", metavar="PATH", help="tables and fields instead of the p8fs catalog"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--no-constrain", action="store_true", help="decode without the grammar (the baseline)"
    )
    mode.add_argument(
        "--compare",
        action="store_true",
        help="run every case constrained and unconstrained, and print both columns",
    )
    parser.add_argument(
        "--compare-adapter",
        action="store_true",
        help="run every case on the base model with the few-shot prompt AND on the adapted "
        "model with the compact prompt (with --compare: four columns)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N cases")
    parser.add_argument(
        "--stratified",
        action="store_true",
        help="take the cases round-robin over categories (with --limit: a stratified sample)",
    )
    parser.add_argument(
        "--category", action="append", metavar="NAME", help="only this category (repeatable)"
    )
    parser.add_argument(
        "--examples", type=int, default=4, metavar="K", help="few-shot examples shown (default 4)"
    )
    parser.add_argument("--out", metavar="REPORT.json", help="write the full per-case report")
    parser.add_argument(
        "--trace",
        metavar="CASES.jsonl",
        help="append each case's result as it finishes (partial results survive an interrupt)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be 1 or more")
    if args.examples < 0:
        raise UsageError("--examples must be 0 or more")
    cases = select_cases(
        load_cases(args.file),
        profile=parse_profile(args.profile) if args.profile else None,
        categories=args.category,
        limit=args.limit,
        stratified=args.stratified,
    )
    if not cases:
        raise UsageError("no case matches the --profile / --category filters")
    if args.compare_adapter and args.no_adapter:
        raise UsageError("--compare-adapter compares with the adapter: drop --no-adapter")
    modes = (True, False) if args.compare else (not args.no_constrain,)
    # Each case passes its own profile; cache off, so every case reaches the model (a cache
    # hit would fake the latency).
    agent = agent_from_args(args, examples=args.examples, cache_size=0)
    agent.load()
    variants: list[Variant] = []
    if args.compare_adapter:
        if agent.adapter_name is None:
            raise UsageError(
                "--compare-adapter needs an adapter: this model ships none (pass --adapter DIR)"
            )
        base = agent_from_args(args, examples=args.examples, cache_size=0, adapter=False)
        base.load()
        variants += variants_for(base, modes, label="base")
        variants += variants_for(agent, modes, label="adapter")
    else:
        variants = variants_for(agent, modes)
    status(f"evaluating {len(cases)} cases ({', '.join(v.name for v in variants)})")
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(cases) * len(variants), file=sys.stderr, unit="case", leave=False)

    trace = _open_trace(args.trace)

    def advance(run: CaseRun) -> None:
        if trace is not None:
            trace.write(json.dumps({"mode": run.variant, **run.model_dump()}) + "\n")
            trace.flush()
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(run.id)

    try:
        report = run_eval(variants, cases, dataset=args.file, on_case=advance)
    finally:
        if bar is not None:
            bar.close()
        if trace is not None:
            trace.close()
    print(markdown(report))
    if args.out:
        try:
            Path(args.out).write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write the report to {args.out}: {exc.strerror}") from None
        status(f"per-case report written to {args.out}")
    return 0


def _open_trace(path: str | None) -> TextIO | None:
    if path is None:
        return None
    try:
        return open(path, "a", encoding="utf-8")  # closed by run() after the last case
    except OSError as exc:
        raise UsageError(f"cannot write the trace to {path}: {exc.strerror}") from None
