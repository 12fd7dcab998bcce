"""`rem-agent data build`: generate the LoRA training data (rem_agent/train/data.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rem_agent.cli.common import status


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "data",
        help="generate training data for a REM adapter",
        description="Training data for `rem-agent finetune`.",
    )
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION")
    build = sub.add_parser(
        "build",
        help="write train.jsonl, valid.jsonl (held-out phrasings) and heldout.jsonl",
        description=(
            "Generate (request, now, tz, profile) -> REM pairs from the catalog and a phrasing "
            "library, with dates from an independent calendar. train.jsonl and valid.jsonl are "
            "chat rows as `mlx_lm.lora --data DIR` reads them; valid.jsonl holds only phrasing "
            "families that training never sees; heldout.jsonl holds more of them as eval cases "
            "for `rem-agent eval`; stats.json counts rows per statement, category and family."
        ),
    )
    build.add_argument("--n", type=int, default=5000, help="pairs to generate (default: 5000)")
    build.add_argument("--out", type=Path, default=Path("data"), help="folder (default: data)")
    build.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    build.add_argument(
        "--heldout-cases", type=int, default=200, help="eval cases from held-out families"
    )
    build.add_argument(
        "--written",
        type=Path,
        metavar="DIR",
        help="add the pairs written by people in DIR (data/written) that both labellers agree on",
    )
    build.set_defaults(handler=_build)
    parser.set_defaults(handler=lambda _args: (parser.print_help(), 2)[1])


def _build(args: argparse.Namespace) -> int:
    from rem_agent.train.data import build_dataset

    report = build_dataset(
        args.out,
        n=args.n,
        seed=args.seed,
        heldout_cases=args.heldout_cases,
        written=args.written,
        progress=status,
    )
    print(
        f"wrote {report.train} training rows, {report.valid} validation rows (held-out "
        f"families) and {report.heldout_cases} eval cases to {report.out}"
    )
    print("statements: " + ", ".join(f"{k} {v}" for k, v in report.by_statement.items()))
    print("categories: " + ", ".join(f"{k} {v}" for k, v in report.by_category.items()))
    print("profiles:   " + ", ".join(f"{k} {v}" for k, v in report.by_profile.items()))
    if args.written is not None:
        print(
            f"written by people: {report.written} agreed pairs added; "
            f"{report.dropped_written_date_reading} dropped (a date word the resolver reads "
            "as a time where the label reads a name)"
        )
    print(
        f"dropped: {report.dropped_date_disagreement} where the resolver disagreed with the "
        f"calendar, {report.dropped_duplicates} duplicates or dev-set requests"
    )
    return 0
