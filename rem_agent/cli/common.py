"""Options and input handling shared by several sub-commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
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


def input_lines(text: str, *, what: str = "input") -> Iterator[str] | None:
    """`-` means one item per stdin line; anything else is a single item (None)."""
    if text != "-":
        return None
    if sys.stdin is None or sys.stdin.closed:
        raise UsageError(f"'-' reads {what} from standard input, but there is none")
    return (line.rstrip("\r\n") for line in sys.stdin)


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
