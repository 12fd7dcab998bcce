"""`rem-agent dates TEXT`: show the temporal phrases in a request and their intervals."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from rem_agent.cli.common import (
    InputLine,
    add_time_options,
    input_lines,
    parse_now,
    print_json_line,
)
from rem_agent.dates import DateResolution, load_zone, resolve_dates


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "dates",
        help="resolve the relative dates in a request (REM.md §4)",
        description=(
            "Find temporal phrases in TEXT and resolve each to a half-open interval "
            "[start, end) by the policy of REM.md §4."
        ),
    )
    parser.add_argument(
        "text",
        metavar="TEXT",
        help='the request; "-" reads one request per stdin line and answers every line, blank '
        'ones too: with --json one JSON object {"line": N, "dates": [...]} per line (N: its '
        'line number from 1), else each answer under a "> N: TEXT" header line',
    )
    add_time_options(parser)  # --now, --tz: the same meaning as in `translate`
    parser.add_argument(
        "--week-start",
        choices=("monday", "sunday"),
        default="monday",
        help="first day of a week for this/last week (default: monday)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help=(
            'print a JSON list of {"text", "span", "start", "end"} (with -, that list is '
            '"dates" in one object per line); a phrase with a misspelt date word adds '
            '"read_as", how it was read'
        ),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    now = parse_now(args.now)
    load_zone(args.tz)  # fail before reading any input
    lines = input_lines(args.text, what="requests")
    if lines is None:
        result = resolve_dates(args.text, now=now, tz=args.tz, week_start=args.week_start)
        if args.json:
            print(json.dumps(as_json(result), ensure_ascii=False), flush=True)
            _report_unresolved(result)
        else:
            print_human(result, sys.stdout)
        return 0
    for line in lines:
        result = resolve_dates(line.text, now=now, tz=args.tz, week_start=args.week_start)
        if args.json:
            print_json_line(line, {"dates": as_json(result)})
            _report_unresolved(result, line)
        else:
            print(f"> {line.number}: {line.text}")
            print_human(result, sys.stdout)
    return 0


def _report_unresolved(result: DateResolution, line: InputLine | None = None) -> None:
    where = f"line {line.number}: " if line is not None else ""
    for item in result.unresolved:
        read = f" (read as {item.read_as!r})" if item.read_as else ""
        print(f"rem-agent: {where}unresolved {item.text!r}{read}: {item.reason}", file=sys.stderr)


def as_json(result: DateResolution) -> list[dict[str, Any]]:
    items = []
    for rng in result.ranges:
        item = {
            "text": rng.text,
            "span": list(rng.span),
            "start": rng.start_literal(),
            "end": rng.end_literal(),
        }
        if rng.read_as is not None:  # only then: correctly spelt requests print as before
            item["read_as"] = rng.read_as
        items.append(item)
    return items


def print_human(result: DateResolution, out: TextIO) -> None:
    if not result.ranges and not result.unresolved:
        print("no dates found", file=out)
        return
    rows = [
        (
            r.span,
            r.text,
            f"[{r.start_literal() or 'open'}, {r.end_literal() or 'open'})" + _read(r.read_as),
        )
        for r in result.ranges
    ]
    rows += [
        (u.span, u.text, f"unresolved: {u.reason}" + _read(u.read_as)) for u in result.unresolved
    ]
    rows.sort()
    width = max(len(text) for _, text, _ in rows)
    for _, text, what in rows:
        print(f"{text:<{width}}  {what}", file=out)


def _read(read_as: str | None) -> str:
    return f"  read as {read_as!r}" if read_as else ""
