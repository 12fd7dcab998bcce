"""Meta-commands (`:help`, `:tz ...`): data plus pure handlers over SessionState.

A handler takes the state, the argument text and a snapshot of the model and
returns the new state with messages to show; the shell does all the I/O.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from rem_agent.dates import load_zone
from rem_agent.errors import UsageError
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.profile import Profile
from rem_agent.repl.state import ModelInfo, SessionState

MessageKind = Literal["info", "warning", "error"]
# Bare words people type to leave or get help, as in psql/pgcli.
ALIASES = {"quit": ":quit", "exit": ":quit", "\\q": ":quit", "help": ":help", "?": ":help"}


class Message(BaseModel):
    kind: MessageKind = "info"
    text: str


class CommandResult(BaseModel):
    state: SessionState
    messages: list[Message] = []
    quit: bool = False


class CommandContext(BaseModel):
    """What handlers may read besides the state (never change)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: ModelInfo
    catalog: Catalog
    config_path: str = ""
    history_path: str = ""


Handler = Callable[[SessionState, str, CommandContext], CommandResult]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    usage: str
    help: str
    handler: Handler
    aliases: tuple[str, ...] = ()


def _info(state: SessionState, text: str, kind: MessageKind = "info") -> CommandResult:
    return CommandResult(state=state, messages=[Message(kind=kind, text=text)])


def _switch(arg: str, current: bool, what: str) -> bool:
    """`on`/`off`, or nothing to toggle."""
    word = arg.strip().lower()
    if not word:
        return not current
    if word in ("on", "true", "yes", "1"):
        return True
    if word in ("off", "false", "no", "0"):
        return False
    raise UsageError(f"{what} takes on or off, not {arg.strip()!r}")


def _toggle(field: str, label: str) -> Handler:
    def handle(state: SessionState, arg: str, ctx: CommandContext) -> CommandResult:
        value = _switch(arg, getattr(state, field), label)
        return _info(state.model_copy(update={field: value}), f"{label} {_on(value)}")

    return handle


def _on(value: bool) -> str:
    return "on" if value else "off"


def _profile(state: SessionState, arg: str, ctx: CommandContext) -> CommandResult:
    word = arg.strip().lower()
    if not word:
        return _info(state, f"profile {state.profile.value} (choose: rem, p8fs)")
    try:
        profile = Profile(word)
    except ValueError:
        raise UsageError(f"unknown profile {arg.strip()!r}; choose rem or p8fs") from None
    return _info(state.model_copy(update={"profile": profile}), f"profile {profile.value}")


def _tz(state: SessionState, arg: str, ctx: CommandContext) -> CommandResult:
    zone = arg.strip()
    if not zone:
        return _info(state, f"time zone {state.tz} (set one with :tz Europe/Berlin)")
    load_zone(zone)  # UsageError names the bad zone
    return _info(state.model_copy(update={"tz": zone}), f"time zone {zone}")


def _now(state: SessionState, arg: str, ctx: CommandContext) -> CommandResult:
    text = arg.strip()
    if not text:
        shown = state.now.isoformat() if state.now else "the current time (live)"
        return _info(state, f"now is {shown}")
    if text.lower() in ("reset", "live", "clock"):
        return _info(state.model_copy(update={"now": None}), "now follows the clock again")
    try:
        now = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{text!r} is not an ISO-8601 date or time (e.g. 2026-11-26T10:30:00), or reset"
        ) from None
    return _info(state.model_copy(update={"now": now}), f"now is {now.isoformat()}")


def _model(state: SessionState, arg: str, ctx: CommandContext) -> CommandResult:
    if arg.strip():
        raise UsageError(
            "the model is chosen when the shell starts: rem-agent repl --model NAME|PATH"
        )
    m = ctx.model
    text = f"engine {m.engine}, model {m.model}: {m.state}"
    if m.detail:
        text += f" ({m.detail})"
    return _info(state, text, "error" if m.state == "failed" else "info")


def _tables(state: SessionState, arg: str, ctx: CommandContext) -> CommandResult:
    name = arg.strip().lower()
    tables = ctx.catalog.tables
    if name:
        table = ctx.catalog.table(name)
        if table is None:
            known = ", ".join(ctx.catalog.table_names)
            raise UsageError(f"no table {name!r} in the catalog; tables: {known}")
        tables = (table,)
    lines = []
    for table in tables:
        fields = ", ".join(
            f"{f.name}:{f.type.value}" + (f"({'|'.join(f.values)})" if f.values else "")
            for f in table.fields
        )
        lines.append(f"{table.name} (time field {table.default_time_field}): {fields}")
    return CommandResult(state=state, messages=[Message(text=line) for line in lines])


def _quit(state: SessionState, arg: str, ctx: CommandContext) -> CommandResult:
    return CommandResult(state=state, quit=True)


def _help(state: SessionState, arg: str, ctx: CommandContext) -> CommandResult:
    wanted = arg.strip().lstrip(":").lower()
    if wanted:
        command = find_command(wanted)
        if command is None:
            raise UsageError(unknown_message(wanted))
        return _info(state, f":{command.usage}  {command.help}")
    return CommandResult(state=state, messages=[Message(text=line) for line in help_lines(ctx)])


def help_lines(ctx: CommandContext) -> list[str]:
    width = max(len(c.usage) for c in COMMANDS) + 1
    lines = [
        "Type what you are looking for in plain words (notes about kafka from last week)",
        "and get one REM query back; type REM itself to check and canonicalise it.",
        "",
        *(f"  :{c.usage.ljust(width)} {c.help}" for c in COMMANDS),
        "",
        "Keys: Tab completes, → accepts a suggestion from history, Ctrl-R searches history,",
        "F3 multi-line (Alt-Enter or an empty line submits), F4 Emacs/Vi, Ctrl-X Ctrl-E",
        "opens $EDITOR, Ctrl-C cancels a running translation, Ctrl-D quits.",
    ]
    if ctx.config_path:
        lines.append(f"Defaults: {ctx.config_path}   History: {ctx.history_path or 'off'}")
    return lines


COMMANDS: tuple[Command, ...] = (
    Command(name="help", usage="help [command]", help="this list", handler=_help),
    Command(name="profile", usage="profile rem|p8fs", help="REM dialect to emit", handler=_profile),
    Command(name="tz", usage="tz ZONE", help="IANA time zone for dates", handler=_tz),
    Command(
        name="now",
        usage="now ISO|reset",
        help="fix the reference time, or follow the clock",
        handler=_now,
    ),
    Command(
        name="explain",
        usage="explain [on|off]",
        help="show dates, examples chosen, raw output, token counts",
        handler=_toggle("explain", "explain"),
    ),
    Command(
        name="json",
        usage="json [on|off]",
        help="print the full result as JSON",
        handler=_toggle("json_output", "json"),
    ),
    Command(
        name="multiline",
        usage="multiline [on|off]",
        help="multi-line editing (F3)",
        handler=_toggle("multiline", "multi-line"),
    ),
    Command(
        name="vi",
        usage="vi [on|off]",
        help="Vi key bindings instead of Emacs (F4)",
        handler=_toggle("vi", "vi mode"),
    ),
    Command(name="model", usage="model", help="engine, model and load state", handler=_model),
    Command(
        name="tables",
        usage="tables [TABLE]",
        help="tables and fields of the catalog",
        handler=_tables,
    ),
    Command(
        name="quit", usage="quit", help="leave (also Ctrl-D)", handler=_quit, aliases=("q", "exit")
    ),
)


def find_command(name: str) -> Command | None:
    for command in COMMANDS:
        if name == command.name or name in command.aliases:
            return command
    return None


def command_names() -> list[str]:
    return [c.name for c in COMMANDS]


def unknown_message(name: str) -> str:
    close = difflib.get_close_matches(name, [*command_names(), "q", "exit"], n=1, cutoff=0.5)
    hint = f"did you mean :{close[0]}? " if close else ""
    return f"unknown command :{name}; {hint}type :help for the list"


def is_command(line: str) -> bool:
    text = line.strip()
    return text.startswith(":") or text.lower() in ALIASES


def run_command(line: str, state: SessionState, ctx: CommandContext) -> CommandResult:
    """Run one meta-command line; a mistake becomes an error message, not an exception."""
    text = line.strip()
    text = ALIASES.get(text.lower(), text)
    name, _, arg = text[1:].strip().partition(" ")
    command = find_command(name.lower())
    if command is None:
        if not name:
            return _info(state, "type a command after ':' (:help lists them)", "error")
        return _info(state, unknown_message(name), "error")
    try:
        return command.handler(state, arg, ctx)
    except UsageError as exc:
        return _info(state, str(exc), "error")
