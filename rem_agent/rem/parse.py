"""REM text → syntax tree, with errors that point at the problem.

`parse_rem` only reads syntax. `check_rem` (in `rem_agent.rem.check`) adds the
catalog and profile checks and the canonical text.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput
from lark.exceptions import UnexpectedToken, VisitError
from pydantic import BaseModel, ValidationError

from rem_agent.rem import ast
from rem_agent.rem.grammar import parse_grammar

MAX_QUERY_CHARS = 8192

# How the parser's terminal names read to a person.
_TERMINAL_WORDS = {
    "DQSTRING": 'a double-quoted string ("...")',
    "SQSTRING": "a single-quoted literal ('...')",
    "NUMBER": "a number",
    "NAME": "a table or field name",
    "EDGE": "an edge name",
    "COMPARE": "a comparison (=, !=, <, <=, >, >=)",
    "DIRECTION": "ASC or DESC",
    "$END": "the end of the query",
}


class RemSyntaxError(ValueError):
    """A REM text that does not parse or validate; `str()` is the full message with a caret."""

    def __init__(self, message: str, text: str, pos: int | None = None) -> None:
        self.message = message
        self.text = text
        self.pos = pos
        self.line: int | None
        self.column: int | None
        if pos is not None:
            line_start = text.rfind("\n", 0, pos) + 1
            self.line = text.count("\n", 0, pos) + 1
            self.column = pos - line_start + 1
        else:
            self.line = self.column = None
        super().__init__(self.render())

    def render(self) -> str:
        if self.pos is None or self.column is None:
            return self.message
        line_end = self.text.find("\n", self.pos)
        line_text = self.text[self.pos - self.column + 1 : None if line_end < 0 else line_end]
        # Tabs keep their width so the caret lines up.
        pad = "".join("\t" if ch == "\t" else " " for ch in line_text[: self.column - 1])
        return f"line {self.line}, column {self.column}: {self.message}\n  {line_text}\n  {pad}^"


class RemErrorInfo(BaseModel):
    """A parse or validation error as data (what faces and JSON output carry)."""

    message: str
    line: int | None = None
    column: int | None = None
    rendered: str

    @classmethod
    def from_error(cls, error: RemSyntaxError) -> RemErrorInfo:
        return cls(
            message=error.message, line=error.line, column=error.column, rendered=error.render()
        )


@functools.cache
def _parser() -> Lark:
    return Lark(
        parse_grammar(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=False,
        maybe_placeholders=False,
    )


class _TokenError(ValueError):
    """A problem inside one token; carries where the token starts."""

    def __init__(self, message: str, token: Token) -> None:
        super().__init__(message)
        self.pos = token.start_pos


def _unquote_double(token: Token) -> str:
    def unescape(match: re.Match[str]) -> str:
        if match[1] not in '"\\':
            raise _TokenError(
                f'unsupported escape \\{match[1]} in a double-quoted string (only \\" and \\\\)',
                token,
            )
        return match[1]

    return re.sub(r"\\(.)", unescape, token[1:-1], flags=re.DOTALL)


def _unquote_single(token: str) -> str:
    return token[1:-1].replace("''", "'")


def _number(token: str) -> int | float:
    return float(token) if "." in token else int(token)


class _ToAst(Transformer[Token, Any]):
    def __init__(self, default_table: str) -> None:
        super().__init__()
        self.default_table = default_table

    def start(self, items: list[Any]) -> Any:
        return items[0]

    def statement(self, items: list[Any]) -> Any:
        return items[0]

    # statements
    def lookup(self, items: list[Any]) -> ast.Lookup:
        return ast.Lookup(keys=items[0])

    def keys(self, items: list[Token]) -> tuple[str, ...]:
        return tuple(_unquote_double(t) for t in items)

    def search(self, items: list[Any]) -> ast.Search:
        body = items[1] if len(items) > 1 else {"table": self.default_table}
        return ast.Search(text=_unquote_double(items[0]), **body)

    def search_body(self, items: list[Any]) -> dict[str, Any]:
        return self._body(items)

    def select(self, items: list[Any]) -> ast.Select:
        return ast.Select(**items[0])

    def select_body(self, items: list[Any]) -> dict[str, Any]:
        return self._body(items)

    def _body(self, items: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"table": str(items[0]).lower()}
        for item in items[1:]:
            out.update(item)
        return out

    def fuzzy(self, items: list[Any]) -> ast.Fuzzy:
        out: dict[str, Any] = {"text": _unquote_double(items[0])}
        for item in items[1:]:
            if isinstance(item, Token):
                out["table"] = str(item).lower()
            else:
                out.update(item)
        return ast.Fuzzy(**out)

    def traverse(self, items: list[Any]) -> ast.Traverse:
        out: dict[str, Any] = {}
        for item in items:
            if isinstance(item, tuple):
                out["edges"] = item
            elif isinstance(item, dict):
                out.update(item)
            else:
                out["seed"] = item
        return ast.Traverse(**out)

    def edges(self, items: list[Token]) -> tuple[str, ...]:
        return tuple(str(t).lower() for t in items)

    def seed(self, items: list[Any]) -> Any:
        return items[0]

    def seed_search(self, items: list[Token]) -> ast.Search:
        table = str(items[1]).lower() if len(items) > 1 else self.default_table
        return ast.Search(text=_unquote_double(items[0]), table=table)

    # clauses
    def where(self, items: list[Any]) -> dict[str, Any]:
        return {"where": items[0]}

    def limit(self, items: list[Token]) -> dict[str, Any]:
        return {"limit": _whole(items[0], "LIMIT")}

    def depth(self, items: list[Token]) -> dict[str, Any]:
        return {"depth": _whole(items[0], "DEPTH")}

    def threshold(self, items: list[Token]) -> dict[str, Any]:
        return {"threshold": _number(items[0])}

    def order(self, items: list[ast.OrderItem]) -> dict[str, Any]:
        return {"order_by": tuple(items)}

    def order_item(self, items: list[Token]) -> ast.OrderItem:
        direction = str(items[1]).upper() if len(items) > 1 else None
        return ast.OrderItem(field=str(items[0]).lower(), direction=direction)

    # conditions
    def or_cond(self, items: list[Any]) -> Any:
        return items[0] if len(items) == 1 else ast.Or(operands=tuple(items))

    def and_cond(self, items: list[Any]) -> Any:
        return items[0] if len(items) == 1 else ast.And(operands=tuple(items))

    def not_cond(self, items: list[Any]) -> Any:
        return items[0]

    def negate(self, items: list[Any]) -> ast.Not:
        return ast.Not(operand=items[0])

    def compare(self, items: list[Any]) -> ast.Compare:
        return ast.Compare(field=str(items[0]).lower(), op=str(items[1]), value=items[2])

    def between(self, items: list[Any]) -> ast.Between:
        return ast.Between(field=str(items[0]).lower(), low=items[1], high=items[2])

    def in_list(self, items: list[Any]) -> ast.InList:
        return ast.InList(field=str(items[0]).lower(), values=tuple(items[1:]))

    def is_null(self, items: list[Token]) -> ast.IsNull:
        return ast.IsNull(field=str(items[0]).lower())

    def is_not_null(self, items: list[Token]) -> ast.IsNull:
        return ast.IsNull(field=str(items[0]).lower(), negated=True)

    def ilike(self, items: list[Token]) -> ast.ILike:
        return ast.ILike(field=str(items[0]).lower(), pattern=_unquote_single(items[1]))

    def contains(self, items: list[Token]) -> ast.Contains:
        raw = _unquote_single(items[1])
        try:
            tags = json.loads(raw)
        except json.JSONDecodeError:
            tags = None
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
            raise ValueError(
                f"@> takes a JSON array of strings, like '[\"work\"]'::jsonb, not {items[1]}"
            )
        return ast.Contains(field=str(items[0]).lower(), tags=tuple(tags))

    # literals
    def string(self, items: list[Token]) -> ast.StringLit:
        return ast.StringLit(value=_unquote_single(items[0]))

    def number(self, items: list[Token]) -> ast.NumberLit:
        return ast.NumberLit(value=_number(items[0]))

    def true(self, _: list[Token]) -> ast.BoolLit:
        return ast.BoolLit(value=True)

    def false(self, _: list[Token]) -> ast.BoolLit:
        return ast.BoolLit(value=False)


def _whole(token: Token, what: str) -> int:
    if "." in token or token.startswith("-"):
        raise ValueError(f"{what} takes a whole number, not {token}")
    return int(token)


def _describe_expected(expected: set[str]) -> str:
    parser = _parser()
    words = []
    for name in sorted(expected):
        if name in _TERMINAL_WORDS:
            words.append(_TERMINAL_WORDS[name])
            continue
        term = next((t for t in parser.terminals if t.name == name), None)
        value = getattr(term.pattern, "value", name) if term else name
        words.append(f"`{value.upper() if value.isalpha() else value}`")
    words = sorted(set(words))
    if len(words) > 8:
        words = [*words[:8], "..."]
    return ", ".join(words)


def _syntax_error(text: str, exc: UnexpectedInput) -> RemSyntaxError:
    if isinstance(exc, UnexpectedEOF):
        expected = _describe_expected(set(exc.expected))
        return RemSyntaxError(f"the query ends too early; expected {expected}", text, len(text))
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else len(text) - 1
        what = _char_name(text[pos])
        allowed = _describe_expected(set(exc.allowed)) if exc.allowed else "nothing more"
        return RemSyntaxError(f"unexpected {what}; expected {allowed}", text, pos)
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    if token.type == "$END":
        expected = _describe_expected(set(exc.expected))
        return RemSyntaxError(f"the query ends too early; expected {expected}", text, len(text))
    expected = _describe_expected(set(exc.expected))
    return RemSyntaxError(f"unexpected `{token}`; expected {expected}", text, token.start_pos)


def _char_name(ch: str) -> str:
    if ch == ";":
        return "`;` (REM is one statement, with no `;`)"
    if ch == "-":
        return "`-` (REM has no comments)"
    if ch.isprintable() and not ch.isspace():
        return f"character `{ch}`"
    return f"character U+{ord(ch):04X}"


def parse_rem(
    text: str, *, default_table: str = "resources"
) -> ast.Lookup | ast.Search | ast.Fuzzy | ast.Traverse | ast.Select:
    """Parse REM text into a tree; raise `RemSyntaxError` with a position on failure."""
    if len(text) > MAX_QUERY_CHARS:
        raise RemSyntaxError(f"the query is longer than {MAX_QUERY_CHARS} characters", text)
    if not text.strip():
        raise RemSyntaxError("the query is empty", text)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    try:
        return _ToAst(default_table).transform(tree)
    except VisitError as exc:
        cause = exc.orig_exc
        pos = cause.pos if isinstance(cause, _TokenError) else None
        if isinstance(cause, ValidationError):
            message = "; ".join(_pydantic_message(e) for e in cause.errors())
        else:
            message = str(cause)
        raise RemSyntaxError(message, text, pos) from None


def _pydantic_message(error: Any) -> str:
    msg = str(error.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ")
