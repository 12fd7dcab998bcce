"""`rem-agent` command line: one sub-command per module in this package.

Each sub-command module exposes `register(subparsers)`, which adds its parser
and sets `handler` to a function `(args) -> int` (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from rem_agent import __version__
from rem_agent.errors import RemAgentError

_COMMANDS = (
    "translate",
    "repl",
    "serve",
    "eval",
    "affinity",
    "check",
    "dates",
    "models",
    "data",
    "finetune",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rem-agent",
        description="Turn search-bar text into one valid REM query for p8fs.",
    )
    parser.add_argument("--version", action="version", version=f"rem-agent {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        # Each ships with the package: one that does not import is a packaging bug, not
        # a command to leave out of --help.
        importlib.import_module(f"rem_agent.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # transformers (imported by outlines) warns about PyTorch at import; we never use PyTorch.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None and args.command is None and _interactive():
        args = parser.parse_args(["repl"])  # `rem-agent` alone on a terminal opens the shell
        handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args))
    except RemAgentError as exc:
        print(f"rem-agent: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rem-agent: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _interactive() -> bool:
    return bool(sys.stdin and sys.stdout and sys.stdin.isatty() and sys.stdout.isatty())


def run() -> None:
    sys.exit(main())
