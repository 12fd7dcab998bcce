"""Tab completion: meta-commands, REM keywords, tables, fields and enum values.

Context comes from the REM lexer run over the text before the cursor, so
completion sees the same tokens the highlighting shows. Plain-language
requests get no keyword pop-ups: they are not REM.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Iterator

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from pygments.token import Keyword, Name, Operator, Punctuation, String, Token

from rem_agent.rem.catalog import Catalog, FieldType, TableSpec
from rem_agent.repl.commands import COMMANDS
from rem_agent.repl.lexer import grammar_keywords, lex, statement_keywords

_WORD = re.compile(r"'?[A-Za-z0-9_]*$")
_SWITCHES = ("on", "off")
_COMMAND_ARGS: dict[str, tuple[str, ...]] = {
    "profile": ("rem", "p8fs"),
    "explain": _SWITCHES,
    "json": _SWITCHES,
    "multiline": _SWITCHES,
    "vi": _SWITCHES,
    "now": ("reset",),
}
_FIELD_CONTEXT = {"WHERE", "AND", "OR", "NOT", "BY"}


class RemCompleter(Completer):
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._zones: list[str] | None = None  # read lazily: the zone list takes a moment

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        text = document.text_before_cursor
        if text.lstrip().startswith(":"):
            yield from self._command(text.lstrip())
            return
        word = _WORD.search(text)
        typed = word[0] if word else ""
        before = text[: len(text) - len(typed)]
        tokens = [(tok, value) for tok, value in lex(before) if tok not in Token.Text]
        if not tokens:
            yield from _matching(typed, statement_keywords(), "statement")
            return
        if tokens[0][0] not in Keyword or tokens[0][1].upper() not in statement_keywords():
            return  # a request in plain words
        yield from self._rem(typed, tokens)

    # -- meta-commands -------------------------------------------------------

    def _command(self, text: str) -> Iterator[Completion]:
        name, space, arg = text[1:].partition(" ")
        if not space:
            for command in COMMANDS:
                if command.name.startswith(name.lower()):
                    yield Completion(
                        ":" + command.name,
                        start_position=-len(text),
                        display_meta=command.help,
                    )
            return
        arg = arg.lstrip()
        choices: Iterable[str] = _COMMAND_ARGS.get(name.lower(), ())
        if name.lower() == "tables":
            choices = self.catalog.table_names
        elif name.lower() == "tz":
            choices = self._zone_names()
        for choice in choices:
            if choice.lower().startswith(arg.lower()):
                yield Completion(choice, start_position=-len(arg))

    def _zone_names(self) -> list[str]:
        if self._zones is None:
            self._zones = sorted(zoneinfo.available_timezones())
        return self._zones

    # -- REM -----------------------------------------------------------------

    def _rem(self, typed: str, tokens: list[tuple[object, str]]) -> Iterator[Completion]:
        last_type, last = tokens[-1]
        upper = last.upper()
        table = self._table(tokens)
        if last_type in Keyword and upper in ("FROM", "IN") and self._table_position(tokens):
            yield from _matching(typed, self.catalog.table_names, "table")
            return
        field = _field_before_value(tokens)
        if field is not None and table is not None:
            spec = table.field(field)
            if spec is not None and spec.type is FieldType.ENUM:
                quoted = [f"'{v}'" for v in spec.values]
                yield from _matching(typed, quoted, f"{field} value")
                return
        if table is not None and (
            (last_type in Keyword and upper in _FIELD_CONTEXT)
            or (last_type in Punctuation and last in ("(", ","))
        ):
            yield from self._fields(typed, table)
            if upper in ("WHERE", "AND", "OR"):
                yield from _matching(typed, ("NOT",), "keyword")
            return
        if typed.startswith("'"):
            return
        yield from _matching(typed, grammar_keywords(), "keyword")
        if table is not None:
            yield from self._fields(typed, table)

    def _fields(self, typed: str, table: TableSpec) -> Iterator[Completion]:
        for f in table.fields:
            if f.name.startswith(typed.lower()):
                yield Completion(f.name, start_position=-len(typed), display_meta=f.type.value)

    def _table(self, tokens: list[tuple[object, str]]) -> TableSpec | None:
        """The table the statement queries so far (SEARCH without IN: the default)."""
        found: str | None = None
        for i, (tok, value) in enumerate(tokens[:-1]):
            if tok in Keyword and value.upper() in ("FROM", "IN") and tokens[i + 1][0] in Name:
                name = tokens[i + 1][1].lower()
                if self.catalog.table(name) is not None:
                    found = name
        if found is None and tokens[0][1].upper() == "SEARCH":
            found = self.catalog.default_table
        return self.catalog.table(found) if found else None

    @staticmethod
    def _table_position(tokens: list[tuple[object, str]]) -> bool:
        """FROM always names a table; IN only right after the statement's string."""
        if tokens[-1][1].upper() == "FROM":
            return True
        return len(tokens) >= 2 and tokens[-2][0] in String.Double


def _field_before_value(tokens: list[tuple[object, str]]) -> str | None:
    """`field =`, `field !=`, `field IN (` or `field IN ('a',`: the field awaiting a value."""
    i = len(tokens) - 1
    if tokens[i][0] in Operator:
        return tokens[i - 1][1].lower() if i >= 1 and tokens[i - 1][0] in Name else None
    if tokens[i][1] in ("(", ","):
        while i >= 0 and tokens[i][1] != "(":
            if tokens[i][1] != "," and tokens[i][0] not in String:
                return None
            i -= 1
        if i >= 2 and tokens[i - 1][1].upper() == "IN" and tokens[i - 2][0] in Name:
            return tokens[i - 2][1].lower()
    return None


def _matching(typed: str, words: Iterable[str], meta: str) -> Iterator[Completion]:
    lowered = typed.lower()
    for word in words:
        if word.lower().startswith(lowered) and word.lower() != lowered:
            yield Completion(word, start_position=-len(typed), display_meta=meta)
