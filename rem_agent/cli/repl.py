"""`rem-agent repl`: the interactive shell (also `rem-agent` alone on a terminal)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from rem_agent.cli.common import add_model_options, add_profile_catalog, add_time_options, parse_now
from rem_agent.dates import load_zone
from rem_agent.engines.base import EngineRequest
from rem_agent.errors import RemAgentError, UsageError
from rem_agent.rem.catalog import Catalog, load_catalog
from rem_agent.rem.profile import Profile
from rem_agent.repl.config import ReplConfig, history_path, load_config
from rem_agent.repl.state import SessionState

# How long quitting waits for a translation or model load still running in C code
# before leaving without it (a daemon thread inside llama.cpp can crash at shutdown).
_EXIT_GRACE_S = 5.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "repl",
        help="interactive shell: type requests, see REM (the default on a terminal)",
        description=(
            "An interactive shell: type what you are looking for and get one REM query, "
            "highlighted, with the dates it resolved and the time it took. REM typed "
            "directly is checked and canonicalised without the model. Defaults come from "
            "config.toml in the user's config directory (REM_AGENT_CONFIG_DIR overrides "
            "it); the flags below override the file. Type :help inside for commands."
        ),
    )
    add_time_options(parser)
    add_profile_catalog(parser)
    add_model_options(parser)
    parser.add_argument("--config", metavar="PATH", help="config file (default: user config dir)")
    parser.add_argument(
        "--explain", action="store_true", default=None, help="start with :explain on"
    )
    parser.add_argument("--vi", action="store_true", default=None, help="Vi key bindings")
    parser.add_argument(
        "--no-history", action="store_true", help="keep no history file for this session"
    )
    # None means "not given": the config file decides, then the built-in default.
    parser.set_defaults(handler=run, tz=None, profile=None, engine=None)


class ReplSettings(BaseModel):
    """Flags over config file over built-in defaults, resolved once at start."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: EngineRequest
    model: str | None
    catalog: Catalog
    examples: int
    history: bool
    state: SessionState


def resolve_settings(args: argparse.Namespace, cfg: ReplConfig, notices: list[str]) -> ReplSettings:
    """Merge flags and config; bad config values become notices, bad flags errors."""
    tz = args.tz
    if tz is None:
        tz = cfg.tz or "UTC"
        try:
            load_zone(tz)
        except UsageError as exc:
            notices.append(f"config tz: {exc}; using UTC")
            tz = "UTC"
    load_zone(tz)
    profile = Profile(args.profile) if args.profile else (cfg.profile or Profile.REM)
    return ReplSettings(
        engine=args.engine or cfg.engine or "auto",
        model=args.model or cfg.model,
        catalog=_catalog(args.catalog, cfg.catalog, notices),
        examples=cfg.examples if cfg.examples is not None else 4,
        history=cfg.history and not args.no_history,
        state=SessionState(
            profile=profile,
            tz=tz,
            now=parse_now(args.now),
            explain=bool(args.explain) or cfg.explain,
            json_output=cfg.json_output,
            multiline=cfg.multiline,
            vi=bool(args.vi) or cfg.vi,
        ),
    )


def run(args: argparse.Namespace) -> int:
    from rem_agent.agent import RemAgent
    from rem_agent.repl.shell import ModelStatus, ReplShell, open_history

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "the REPL needs an interactive terminal; to translate piped lines use "
            "`rem-agent translate -`"
        )
    loaded = load_config(Path(args.config).expanduser() if args.config else None)
    notices = list(loaded.warnings)
    settings = resolve_settings(args, loaded.config, notices)
    history, problem = open_history(history_path() if settings.history else None)
    if problem:
        notices.append(problem)
    status = ModelStatus()
    agent = RemAgent(
        engine=settings.engine,
        model=settings.model,
        catalog=settings.catalog,
        profile=settings.state.profile,
        tz=settings.state.tz,
        examples=settings.examples,
        on_status=status.post,
    )
    shell = ReplShell(
        agent,
        settings.state,
        status=status,
        history=history,
        notices=notices,
        config_path=str(loaded.path),
        history_path=str(history_path()) if settings.history else "",
    )
    code = shell.loop()
    if not shell.wait_for_workers(_EXIT_GRACE_S):
        # A translation that cannot be interrupted is still inside the model: leave
        # without running interpreter shutdown under its feet.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _catalog(flag: str | None, configured: str | None, notices: list[str]) -> Catalog:
    if flag or not configured:
        return load_catalog(flag)
    try:
        return load_catalog(os.path.expanduser(configured))
    except RemAgentError as exc:
        notices.append(f"config catalog: {exc}; using the built-in p8fs catalog")
        return load_catalog(None)
