"""`rem-agent repl` options: flags over the config file over defaults; a terminal is required."""

from __future__ import annotations

from datetime import datetime

import pytest

from rem_agent.cli import build_parser, main
from rem_agent.cli.repl import resolve_settings
from rem_agent.errors import UsageError
from rem_agent.rem.profile import Profile
from rem_agent.repl.config import ReplConfig


def parse(*argv: str):  # type: ignore[no-untyped-def]
    return build_parser().parse_args(["repl", *argv])


def test_defaults_without_flags_or_config() -> None:
    notices: list[str] = []
    s = resolve_settings(parse(), ReplConfig(), notices)
    assert (s.engine, s.model, s.examples, s.history) == ("auto", None, 4, True)
    assert s.state.profile is Profile.REM and s.state.tz == "UTC" and s.state.now is None
    assert notices == []


def test_config_fills_what_flags_leave_out() -> None:
    cfg = ReplConfig.model_validate(
        {
            "profile": "p8fs",
            "tz": "Asia/Tokyo",
            "engine": "llamacpp",
            "json": True,
            "history": False,
        }
    )
    s = resolve_settings(parse(), cfg, [])
    assert s.state.profile is Profile.P8FS and s.state.tz == "Asia/Tokyo" and s.engine == "llamacpp"
    assert s.state.json_output and not s.history


def test_flags_override_the_config() -> None:
    cfg = ReplConfig.model_validate({"profile": "p8fs", "tz": "Asia/Tokyo", "engine": "llamacpp"})
    args = parse(
        "--profile",
        "rem",
        "--tz",
        "Europe/Paris",
        "--engine",
        "mlx",
        "--now",
        "2026-11-26T10:30:00",
        "--vi",
        "--no-history",
    )
    s = resolve_settings(args, cfg, [])
    assert s.state.profile is Profile.REM and s.state.tz == "Europe/Paris" and s.engine == "mlx"
    assert s.state.now == datetime(2026, 11, 26, 10, 30) and s.state.vi and not s.history


def test_bad_config_values_warn_but_bad_flags_fail() -> None:
    notices: list[str] = []
    s = resolve_settings(
        parse(), ReplConfig(tz="Nowhere/Land", catalog="/no/such/catalog.yaml"), notices
    )
    assert s.state.tz == "UTC" and s.catalog.table("moments") is not None
    assert any("Nowhere/Land" in n for n in notices) and any("catalog" in n for n in notices)
    with pytest.raises(UsageError):
        resolve_settings(parse("--tz", "Nowhere/Land"), ReplConfig(), [])
    with pytest.raises(UsageError):
        resolve_settings(parse("--now", "soon"), ReplConfig(), [])


def test_repl_needs_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["repl"]) == 2
    assert "needs an interactive terminal" in capsys.readouterr().err


def test_no_command_without_a_terminal_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "repl" in capsys.readouterr().err
