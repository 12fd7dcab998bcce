"""The tokenizer of a request: one `re.finditer` pass, positions kept.

Every alternative of the token pattern is bounded or a plain character-class run, so
no input can make it backtrack catastrophically. The date rules need what a word
splitter drops: numbers, punctuation, ISO and clock forms, and each token's span in
the typed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<iso>\d{4}-\d{2}-\d{2}
        (?:[t\x20]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:z|[+-]\d{2}:?\d{2})?)?)(?!\d)
  | (?P<numdate>\d{1,4}/\d{1,4}(?:/\d{1,4})?(?![\d/])
        | \d{1,2}\.\d{1,2}\.\d{2,4}(?!\.?\d))
  | (?P<time>\d{1,2}(?::\d{2}){1,2}(?:\x20?[ap]\.?m\b\.?)? | \d{1,2}\x20?[ap]\.?m\b\.?)
  | (?P<qh>[qh]\d)(?![^\W_])
  | (?P<num>\d+)(?P<ord>st|nd|rd|th)?
  | (?P<word>[^\W\d_]+)
  | (?P<punct>[^\w\s])
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Longer digit runs are not numbers a date phrase uses (and int() of a huge run is slow).
_MAX_NUMBER_DIGITS = 6


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # iso | numdate | time | qh | num | word | punct
    text: str  # lower case
    start: int
    end: int
    value: int | None = None  # num: its value, when short enough to be one
    ordinal: bool = False  # num: written 1st, 2nd, 3rd ...


def tokenize(text: str) -> list[Token]:
    tokens = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "punct"
        if kind == "ord":  # the suffix group closes last; the token is the number
            kind = "num"
        value = None
        if kind == "num":
            digits = m.group("num")
            value = int(digits) if len(digits) <= _MAX_NUMBER_DIGITS else None
        tokens.append(
            Token(
                kind=kind,
                text=m.group(0).lower(),
                start=m.start(),
                end=m.end(),
                value=value,
                ordinal=kind == "num" and m.group("ord") is not None,
            )
        )
    return tokens
