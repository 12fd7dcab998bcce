"""`rem-agent check`: is this REM valid, and what is its canonical form?"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rem_agent.cli.common import add_profile_catalog, catalog_from, input_lines, print_json_line
from rem_agent.rem.check import check_rem
from rem_agent.rem.profile import Profile


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate REM and print its canonical form",
        description=(
            "Parse and validate REM against the catalog and profile. Prints the canonical "
            "form (exit 0) or what is wrong, with a caret under it (exit 1)."
        ),
    )
    parser.add_argument(
        "query",
        help="REM text, or - to read one query per stdin line and answer every line, blank "
        'ones too (invalid), with one JSON object that starts with "line": N, its line number '
        "from 1 (JSON even without --json: plain text could not hold an invalid line's "
        "place); exit 1 if any query is invalid",
    )
    add_profile_catalog(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON object per query")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    catalog = catalog_from(args)
    profile = Profile(args.profile)
    lines = input_lines(args.query, what="queries")
    if lines is None:
        return _check_one(args.query, profile, catalog, as_json=args.json)
    status = 0
    for line in lines:
        result = check_rem(line.text, profile=profile, catalog=catalog)  # blank: invalid too
        print_json_line(line, result.public())
        status = max(status, 0 if result.valid else 1)
    return status


def _check_one(text: str, profile: Profile, catalog: Any, *, as_json: bool) -> int:
    result = check_rem(text, profile=profile, catalog=catalog)
    if as_json:
        print(json.dumps(result.public(), ensure_ascii=False))
    elif result.valid:
        print(result.canonical)
    else:
        for error in result.errors:
            print(f"invalid REM: {error.rendered}", file=sys.stderr)
    return 0 if result.valid else 1
