"""What the shell prints, as prompt_toolkit formatted text (pure: no I/O here)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from prompt_toolkit.formatted_text import FormattedText, PygmentsTokens, to_formatted_text
from prompt_toolkit.styles import Style
from pygments.lexers.data import JsonLexer

from rem_agent.agent import Translation
from rem_agent.interval import Interval
from rem_agent.quantities import Quantity
from rem_agent.rem.check import CheckResult
from rem_agent.repl.commands import Message
from rem_agent.repl.lexer import lex
from rem_agent.repl.state import ModelInfo, SessionState

# ANSI colour names, so the output reads well on dark and light terminals alike.
STYLE = Style.from_dict(
    {
        "pygments.keyword": "bold ansiblue",
        "pygments.name": "",
        "pygments.name.tag": "ansicyan",
        "pygments.literal.string": "ansigreen",
        "pygments.literal.number": "ansimagenta",
        "pygments.literal.date": "ansiyellow",
        "pygments.operator": "",
        "pygments.punctuation": "",
        "pygments.name.tag.json": "ansicyan",
        "pygments.error": "",
        "prompt": "bold",
        "dim": "#888888",
        "warning": "ansiyellow",
        "error": "ansired",
        "caret": "bold ansired",
        "ok": "ansigreen",
        "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
        "bottom-toolbar.key": "bold #ffffff",
        "bottom-toolbar.ok": "ansigreen",
        "bottom-toolbar.busy": "ansiyellow",
        "bottom-toolbar.bad": "ansired",
        "spinner": "ansiyellow",
    }
)

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def rem_text(query: str) -> FormattedText:
    """A REM query with syntax highlighting."""
    return FormattedText(to_formatted_text(PygmentsTokens(lex(query))))


def _line(style: str, text: str) -> list[tuple[str, str]]:
    return [(style, text), ("", "\n")]


def messages_text(messages: Sequence[Message]) -> FormattedText:
    style = {"info": "", "warning": "class:warning", "error": "class:error"}
    out: list[tuple[str, str]] = []
    for m in messages:
        prefix = {"info": "", "warning": "warning: ", "error": "error: "}[m.kind]
        out += _line(style[m.kind], prefix + m.text)
    return FormattedText(out)


def dates_text(dates: Sequence[Interval]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for d in dates:
        out += _line("class:dim", f"  {d.text} → {d.start or 'open'} … {d.end or 'open'}")
    return out


def quantities_text(quantities: Sequence[Quantity]) -> list[tuple[str, str]]:
    return [t for q in quantities for t in _line("class:dim", f"  {q.text} → {q.read_as}")]


def _ms(value: float) -> str:
    if value < 1:
        return "<1 ms"
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def translation_text(result: Translation, state: SessionState) -> FormattedText:
    """A translation: the query (or the reason there is none), dates, warnings, time."""
    if state.json_output:
        return json_text(result.model_dump(mode="json"))
    out: list[tuple[str, str]] = []
    if result.valid and result.query:
        out += [*rem_text(result.query), ("", "\n")]
    else:
        out += _line("class:error", f"error: {result.error or 'no query'}")
    out += dates_text(result.dates)
    out += quantities_text(result.quantities)
    for warning in result.warnings:
        out += _line("class:dim", f"  warning: {warning}")
    if state.explain:
        out += explain_text(result)
    t = result.timings
    source = {"model": "model", "cache": "from cache", "rem": "already REM"}[result.source]
    detail = f" · {t.decode.generated_tokens} tokens" if result.source == "model" else ""
    out += _line("class:dim", f"  {_ms(t.total_ms)} · {source}{detail}")
    return FormattedText(out)


def explain_text(result: Translation) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not result.dates:
        out += _line("class:dim", "  dates    none in the request")
    ex = result.explain
    if ex is not None:
        for example in ex.examples:
            out += _line("class:dim", f"  example  {example}")
        if ex.first_answer is not None:
            out += _line("class:dim", f"  first    {ex.first_answer!r} (no topic: decoded again)")
        if ex.raw_output is not None:
            out += _line("class:dim", f"  output   {ex.raw_output!r}")
        out += _line("class:dim", f"  grammar  {ex.grammar_chars} characters")
    t = result.timings.decode
    if result.source == "model":
        out += _line(
            "class:dim",
            f"  tokens   prompt {t.prefill_tokens} new + {t.cached_prompt_tokens} cached, "
            f"{t.generated_tokens} generated ({t.forced_tokens} forced) at "
            f"{t.tokens_per_s:.1f} tok/s "
            f"({result.engine}, {result.model})",
        )
    return out


def check_text(text: str, result: CheckResult, state: SessionState, ms: float) -> FormattedText:
    """REM typed by the person: its canonical form, or each error with its caret."""
    if state.json_output:
        return json_text(result.public())
    out: list[tuple[str, str]] = []
    if result.valid and result.canonical:
        out += [*rem_text(result.canonical), ("", "\n")]
        note = "valid REM" + (" (canonical form)" if result.canonical != text.strip() else "")
        out += _line("class:dim", f"  {note} · {_ms(ms)}")
        return FormattedText(out)
    for error in result.errors:
        head, *rest = error.rendered.splitlines()
        out += _line("class:error", f"error: {head}")
        for line in rest:
            if line.strip() == "^":
                out += [("", line[: line.index("^")]), *_line("class:caret", "^")]
            else:
                out += _line("", line)
    return FormattedText(out)


def json_text(data: object) -> FormattedText:
    body = json.dumps(data, indent=2, ensure_ascii=False)
    tokens = [(tok, value) for tok, value in JsonLexer().get_tokens(body) if value]
    return FormattedText(to_formatted_text(PygmentsTokens(tokens)))


def toolbar_text(state: SessionState, model: ModelInfo, width: int = 200) -> FormattedText:
    """The bottom toolbar: what is in force right now, pgcli style; key hints if room."""
    mark = {"ready": "class:bottom-toolbar.ok", "loading": "class:bottom-toolbar.busy"}.get(
        model.state, "class:bottom-toolbar.bad"
    )
    model_state = {"ready": "ready", "loading": "loading…", "failed": "failed (:model)"}.get(
        model.state, model.state
    )
    now = state.now.isoformat(sep=" ", timespec="minutes") if state.now else "live"
    last = _ms(state.last_ms) if state.last_ms is not None else "–"
    sep = ("", " │ ")
    main: list[tuple[str, str]] = [
        ("", " "),
        ("class:bottom-toolbar.key", model.engine),
        ("", f" {model.model} "),
        (mark, model_state),
        sep,
        ("", f"profile {state.profile.value}"),
        sep,
        ("", f"tz {state.tz}"),
        sep,
        ("", f"now {now}"),
        sep,
        ("", f"explain {'on' if state.explain else 'off'}"),
        sep,
        ("", f"last {last}"),
    ]
    hints: list[tuple[str, str]] = [
        sep,
        ("class:bottom-toolbar.key", "F3"),
        ("", f" multi-line {'on' if state.multiline else 'off'} "),
        ("class:bottom-toolbar.key", "F4"),
        ("", f" {'vi' if state.vi else 'emacs'} "),
    ]
    used = sum(len(text) for _, text in main)
    if used + sum(len(text) for _, text in hints) < width:
        main += hints
    return FormattedText(main)
