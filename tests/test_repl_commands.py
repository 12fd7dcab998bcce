"""Meta-commands are pure: state in, new state and messages out."""

from __future__ import annotations

from datetime import datetime

import pytest

from rem_agent.rem.catalog import default_catalog
from rem_agent.rem.profile import Profile
from rem_agent.repl.commands import COMMANDS, CommandContext, is_command, run_command
from rem_agent.repl.state import ModelInfo, SessionState

CTX = CommandContext(
    model=ModelInfo(engine="llamacpp", model="qwen", state="ready"), catalog=default_catalog()
)
START = SessionState()


def run(line: str, state: SessionState = START, ctx: CommandContext = CTX):  # type: ignore[no-untyped-def]
    return run_command(line, state, ctx)


def texts(result) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(m.text for m in result.messages)


def test_profile() -> None:
    result = run(":profile p8fs")
    assert result.state.profile is Profile.P8FS and START.profile is Profile.REM
    bad = run(":profile sql")
    assert bad.state == START and bad.messages[0].kind == "error" and "rem or p8fs" in texts(bad)


def test_tz_is_validated() -> None:
    assert run(":tz Europe/Berlin").state.tz == "Europe/Berlin"
    bad = run(":tz Mars/Olympus")
    assert (
        bad.state.tz == "UTC" and bad.messages[0].kind == "error" and "Mars/Olympus" in texts(bad)
    )


def test_now_fixed_and_reset() -> None:
    fixed = run(":now 2026-11-26T10:30:00").state
    assert fixed.now == datetime(2026, 11, 26, 10, 30)
    assert run(":now reset", fixed).state.now is None
    bad = run(":now next tuesday")
    assert bad.messages[0].kind == "error" and bad.state.now is None


@pytest.mark.parametrize(
    ("command", "field"),
    [("explain", "explain"), ("json", "json_output"), ("multiline", "multiline"), ("vi", "vi")],
)
def test_switches(command: str, field: str) -> None:
    on = run(f":{command} on").state
    assert getattr(on, field) is True
    assert getattr(run(f":{command} off", on).state, field) is False
    assert getattr(run(f":{command}", on).state, field) is False  # no argument toggles
    bad = run(f":{command} maybe")
    assert bad.messages[0].kind == "error" and getattr(bad.state, field) is False


def test_model_reports_engine_and_state() -> None:
    assert texts(run(":model")) == "engine llamacpp, model qwen: ready"
    failed = CTX.model_copy(
        update={
            "model": ModelInfo(
                engine="auto", model="default", state="failed", detail="no model installed"
            )
        }
    )
    result = run(":model", ctx=failed)
    assert result.messages[0].kind == "error" and "no model installed" in texts(result)
    assert run(":model other").messages[0].kind == "error"


def test_tables_lists_fields_and_enum_values() -> None:
    out = texts(run(":tables moments"))
    assert out.startswith("moments (time field resource_timestamp)")
    assert "moment_type:enum(conversation|meeting|" in out
    assert len(run(":tables").messages) == len(default_catalog().tables)
    assert run(":tables nope").messages[0].kind == "error"


def test_help_lists_every_command() -> None:
    out = texts(run(":help"))
    for command in COMMANDS:
        assert f":{command.usage}" in out
    assert texts(run(":help tz")).startswith(":tz ZONE")


def test_quit_and_aliases() -> None:
    for line in (":quit", ":q", ":exit", "quit", "exit", "\\q"):
        assert run(line).quit, line
    assert not run(":help").quit


def test_unknown_command_suggests_the_nearest() -> None:
    result = run(":profle rem")
    assert result.messages[0].kind == "error"
    assert (
        texts(result) == "unknown command :profle; did you mean :profile? type :help for the list"
    )
    assert "did you mean" not in texts(run(":xyzzy"))
    assert run(":").messages[0].kind == "error"


def test_is_command() -> None:
    assert is_command(":tz UTC") and is_command("  quit ")
    assert not is_command("who is sarah") and not is_command('LOOKUP "x"')
