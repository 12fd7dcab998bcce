"""A Pygments lexer for REM, derived from the grammar so the two never drift.

Keywords are the upper-case string literals of `grammar/rem.lark` (its stated
convention); the literal and name patterns are the terminals Lark compiles
from `parse_grammar()` (NAME, EDGE, NUMBER, DQSTRING, SQSTRING, COMPARE) and
the punctuation is every non-word string literal Lark reports. Editing the
grammar therefore changes the highlighting with it.
"""

from __future__ import annotations

import functools
import re
from typing import Any, ClassVar

import lark
from pygments.lexer import RegexLexer
from pygments.token import Error, Keyword, Literal, Name, Number, Operator, Punctuation, String
from pygments.token import Text as TextToken

from rem_agent.rem.ast import STATEMENT_KEYWORDS, TIMESTAMP_PATTERN
from rem_agent.rem.grammar import grammar_source, parse_grammar

_KEYWORD_LITERAL = re.compile(r'"([A-Z]+)"')
_COMMENT = re.compile(r"//.*$", re.MULTILINE)


@functools.cache
def grammar_keywords() -> tuple[str, ...]:
    """Every keyword of REM, longest first (so `NOT` never shadows a longer word)."""
    words = set(_KEYWORD_LITERAL.findall(_COMMENT.sub("", grammar_source())))
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def statement_keywords() -> tuple[str, ...]:
    """Keywords that start a statement, in grammar order."""
    return tuple(w for w in STATEMENT_KEYWORDS if w in grammar_keywords())


@functools.cache
def _terminals() -> dict[str, lark.lexer.TerminalDef]:
    parser = lark.Lark(parse_grammar(), parser="lalr")
    return {t.name: t for t in parser.terminals}


def terminal_regex(name: str) -> str:
    """The regex Lark uses for a named terminal of the parse grammar."""
    return _terminals()[name].pattern.to_regexp()


def _punctuation() -> list[str]:
    """Non-keyword string literals (`,` `(` `*` `@>` `::jsonb` ...), longest first."""
    values = {
        t.pattern.value
        for t in _terminals().values()
        if isinstance(t.pattern, lark.lexer.PatternStr) and not t.pattern.value.isalpha()
    }
    return sorted(values, key=lambda v: (-len(v), v))


def _word(regex: str) -> str:
    # A keyword ends where a name could not continue (`IN` is not the start of `intent`).
    return rf"(?:{regex})(?![A-Za-z0-9_])"


def _tokens() -> dict[str, list[Any]]:
    keywords = "|".join(map(re.escape, grammar_keywords()))
    punct = "|".join(map(re.escape, _punctuation()))
    timestamp = f"'{TIMESTAMP_PATTERN}'"
    common: list[Any] = [
        (r"\s+", TextToken.Whitespace),
        (terminal_regex("DQSTRING"), String.Double),
        (timestamp, Literal.Date),
        (terminal_regex("SQSTRING"), String.Single),
        (terminal_regex("NUMBER"), Number),
        (terminal_regex("COMPARE"), Operator),
        (f"(?:{punct})", Punctuation),
    ]
    return {
        "root": [
            (_word("(?i:TRAVERSE)"), Keyword, "edges"),
            (_word(f"(?i:{keywords})"), Keyword),
            *common,
            (_word(terminal_regex("NAME")), Name),
            (r".", Error),
        ],
        # Between TRAVERSE and WITH come edge names, which may contain `-`.
        "edges": [
            (r"\s+", TextToken.Whitespace),
            (r"(?i:WITH)(?![A-Za-z0-9_-])", Keyword, "#pop"),
            (terminal_regex("EDGE"), Name.Tag),
            (",", Punctuation),
            (r"(?=.)", TextToken, "#pop"),
        ],
    }


class RemLexer(RegexLexer):
    """REM v1 (REM.md), as `rem-agent` prints and accepts it."""

    name = "REM"
    aliases: ClassVar[list[str]] = ["rem"]
    filenames: ClassVar[list[str]] = ["*.rem"]
    tokens: ClassVar[dict[str, list[Any]]] = _tokens()


def lex(text: str) -> list[tuple[Any, str]]:
    """(token type, text) pairs for `text`, without the trailing newline Pygments adds."""
    pairs = list(RemLexer(stripnl=False, ensurenl=False).get_tokens(text))
    return [(tok, value) for tok, value in pairs if value]


__all__ = ["Error", "RemLexer", "grammar_keywords", "lex", "statement_keywords"]
