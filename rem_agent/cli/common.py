"""Options and input handling shared by several sub-commands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rem_agent.errors import UsageError
from rem_agent.rem.catalog import Catalog, load_catalog
from rem_agent.rem.profile import Profile

if TYPE_CHECKING:
    from rem_agent.agent import RemAgent


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


@dataclass(frozen=True, slots=True)
class InputLine:
    """One line of a batch: its text without the line end, and its 1-based number."""

    number: int
    text: str


def input_lines(text: str, *, what: str = "input") -> Iterator[InputLine] | None:
    """`-` means one item per stdin line; anything else is a single item (None)."""
    if text != "-":
        return None
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError(f"'-' reads {what} from standard input, but there is none")
    return numbered_lines(sys.stdin)


def numbered_lines(stream: Iterable[str]) -> Iterator[InputLine]:
    r"""Every line of `stream`, blank ones too: a batch user joins answers to input by
    position, so a skipped line would shift every answer after it. Lines end where the
    stream ends them (at "\n" for stdin), never at "\x1e" or U+2028 as `str.splitlines`
    would; the "\r" of a CRLF line end goes with the "\n"."""
    for number, line in enumerate(stream, start=1):
        yield InputLine(number, line.removesuffix("\n").removesuffix("\r"))


# Escaped so that a reader splitting lines with `str.splitlines` still sees one line per
# answer: JSON leaves them raw (only U+0000-U+001F must be escaped), and they can only occur
# inside strings.
_SPLITLINES_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def print_json_line(line: InputLine, answer: Mapping[str, Any]) -> None:
    """The answer to one batch line, as one JSON line that starts with its line number."""
    text = json.dumps({"line": line.number, **answer}, ensure_ascii=False)
    print(text.translate(_SPLITLINES_BREAKS), flush=True)


def add_time_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="ISO8601",
        help="reference time for relative dates (default: now); without an offset it is "
        "wall time in --tz",
    )
    parser.add_argument("--tz", default="UTC", metavar="ZONE", help="IANA time zone (default: UTC)")


def parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"--now {value!r} is not an ISO-8601 date or time (e.g. 2026-11-26T10:30:00Z)"
        ) from None


def add_model_options(parser: argparse.ArgumentParser) -> None:
    from rem_agent.engines.select import ENGINE_CHOICES

    parser.add_argument(
        "--engine",
        choices=ENGINE_CHOICES,
        default="auto",
        help="auto (default): MLX on Apple Silicon, llama.cpp elsewhere when installed",
    )
    parser.add_argument(
        "--model",
        metavar="ID|PATH",
        help="bundled model name, a .gguf file, an MLX directory or a Hugging Face repo id "
        "(default: the bundled Qwen2.5-Coder-0.5B)",
    )
    adapter = parser.add_mutually_exclusive_group()
    adapter.add_argument(
        "--adapter",
        metavar="DIR",
        help="a REM adapter folder (from `rem-agent finetune`) instead of the one shipped "
        "for the model",
    )
    adapter.add_argument(
        "--no-adapter",
        action="store_true",
        help="the base model with the few-shot prompt, without the shipped REM adapter",
    )


def adapter_from(args: argparse.Namespace) -> str | bool:
    if getattr(args, "no_adapter", False):
        return False
    return getattr(args, "adapter", None) or True


def status(message: str) -> None:
    """A progress line on stderr (stdout carries only results)."""
    print(f"rem-agent: {message}", file=sys.stderr, flush=True)


def agent_from_args(args: argparse.Namespace, **overrides: Any) -> RemAgent:
    """The agent a sub-command's options describe (engine, model, catalog, profile, tz),
    reporting model progress on stderr."""
    from rem_agent.agent import RemAgent

    settings: dict[str, Any] = {
        "engine": args.engine,
        "model": args.model,
        "adapter": adapter_from(args),
        "on_status": status,
    }
    if hasattr(args, "catalog"):
        settings["catalog"] = catalog_from(args)
    for name in ("profile", "tz"):
        if getattr(args, name, None) is not None:
            settings[name] = getattr(args, name)
    settings.update(overrides)
    return RemAgent(**settings)
