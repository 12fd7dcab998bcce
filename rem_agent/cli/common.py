"""Options and input handling shared by several sub-commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from rem_agent.errors import UsageError
from rem_agent.rem.catalog import Catalog, load_catalog
from rem_agent.rem.profile import Profile


def add_profile_catalog(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        choices=[p.value for p in Profile],
        default=Profile.REM.value,
        help="REM dialect: full 'rem' (default) or what p8fs executes today ('p8fs')",
    )
    parser.add_argument(
        "--catalog",
        metavar="PATH",
        help="tables and fields (YAML/JSON) instead of the built-in p8fs catalog",
    )


def catalog_from(args: argparse.Namespace) -> Catalog:
    return load_catalog(args.catalog)


def input_lines(text: str, *, what: str = "input") -> Iterator[str] | None:
    """`-` means one item per stdin line; anything else is a single item (None)."""
    if text != "-":
        return None
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError(f"'-' reads {what} from standard input, but there is none")
    return (line.rstrip("\r\n") for line in sys.stdin)
