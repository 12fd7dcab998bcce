"""The small matchers the date rules are built from: a word, a fixed run of words, a
count ("three", "a couple of"), a unit, an ordinal, a day of the month, a year, a
month or weekday name.
"""

from __future__ import annotations

import functools
from typing import TypeVar

from rem_agent.dates.phrases import Phrase, Point, Unit, Vague
from rem_agent.dates.tokens import Token
from rem_agent.dates.vocabulary import (
    MONTHS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    PERIOD_ABBREVIATIONS,
    TENS,
    UNITS,
    VAGUE_NUMBERS,
    WEAK_MONTHS,
    WEAK_WEEKDAYS,
    WEEKDAYS,
)


@functools.lru_cache(maxsize=512)
def split_phrase(phrase: str) -> tuple[str, ...]:
    """Words of a rule's constant phrase (the rules use a fixed, small set)."""
    return tuple(phrase.split())


Match = tuple[Phrase, int]  # a phrase and the index of the token after it
PointMatch = tuple[Point | Vague, int]  # what a point rule reads: never a range or a bound
AnyMatch = TypeVar("AnyMatch", PointMatch, Match)


def longest(*matches: AnyMatch | None) -> AnyMatch | None:
    best: AnyMatch | None = None
    for match in matches:
        if match is not None and (best is None or match[1] > best[1]):
            best = match
    return best


class TokenMatchers:
    """Matchers over one token list that the date rules are built from. Each `matcher(i, ...)`
    reads at token `i` and returns what it read with the index after it, or None."""

    def __init__(self, tokens: list[Token]) -> None:
        self.t = tokens
        self.n = len(tokens)

    def word(self, i: int) -> str | None:
        if i < self.n and self.t[i].kind == "word":
            return self.t[i].text
        return None

    def one(self, i: int, *words: str) -> int | None:
        w = self.word(i)
        return i + 1 if w is not None and w in words else None

    def seq(self, i: int, phrase: str) -> int | None:
        """The words of `phrase` in order; a hyphen may join them ("year-to-date")."""
        first = self.word(i)
        if first is None or not phrase.startswith(first):
            return None  # the common case, decided without splitting
        for k, w in enumerate(split_phrase(phrase)):
            if k and self.punct(i, "-") is not None:
                i += 1
            if self.word(i) != w:
                return None
            i += 1
        return i

    def punct(self, i: int, chars: str) -> int | None:
        if i < self.n and self.t[i].kind == "punct" and self.t[i].text in chars:
            return i + 1
        return None

    def skip(self, i: int, *words: str) -> int:
        return self.one(i, *words) or i

    def skip_punct(self, i: int, chars: str) -> int:
        return self.punct(i, chars) or i

    def number(self, i: int) -> tuple[int | None, int] | None:
        """A count: 3, three, twenty-four, a/an (1), a couple of (2). None value = vague."""
        if i >= self.n:
            return None
        tok = self.t[i]
        if tok.kind == "num":
            return (tok.value, i + 1) if tok.value is not None and not tok.ordinal else None
        w = self.word(i)
        if w is None:
            return None
        if w in ("a", "an"):
            if (j := self.seq(i + 1, "couple of") or self.one(i + 1, "couple")) is not None:
                return 2, j
            if (j := self.one(i + 1, "few")) is not None:
                return None, j
            if self.seq(i + 1, "number of") is not None:
                return None, i + 3
            return 1, i + 1
        if w == "couple":
            return 2, self.skip(i + 1, "of")
        if w in VAGUE_NUMBERS:
            return None, self.skip(i + 1, "of")
        if w in TENS:
            j = self.skip_punct(i + 1, "-")
            if (one := self.word(j)) in NUMBER_WORDS and NUMBER_WORDS[one] < 10:
                return TENS[w] + NUMBER_WORDS[one], j + 1
            return TENS[w], i + 1
        if w in NUMBER_WORDS:
            return NUMBER_WORDS[w], i + 1
        return None

    def unit(self, i: int) -> tuple[Unit, int, int] | None:
        w = self.word(i)
        if w is None or w not in UNITS:
            return None
        # Single letters ("3d", "24h") only when glued to their number.
        if len(w) == 1 and (i == 0 or self.t[i - 1].end != self.t[i].start):
            return None
        unit, mult = UNITS[w]
        return unit, mult, i + 1

    def ordinal(self, i: int) -> tuple[int, int] | None:
        if i < self.n and self.t[i].kind == "num":
            tok = self.t[i]
            if tok.value is not None and tok.ordinal:
                return tok.value, i + 1
            return None
        w = self.word(i)
        if w in ORDINAL_WORDS:
            return ORDINAL_WORDS[w], i + 1
        if w in ("twenty", "thirty"):
            j = self.skip_punct(i + 1, "-")
            if (o := self.word(j)) in ORDINAL_WORDS and ORDINAL_WORDS[o] < 10:
                return TENS[w] + ORDINAL_WORDS[o], j + 1
        return None

    def day_number(self, i: int) -> tuple[int, int] | None:
        """A day of the month: 3, 3rd, third, twenty-first."""
        if i < self.n and self.t[i].kind == "num":
            tok = self.t[i]
            digits = len(tok.text) - (2 if tok.ordinal else 0)
            if tok.value is not None and digits <= 2 and 1 <= tok.value <= 31:
                return tok.value, i + 1
            return None
        found = self.ordinal(i)
        if found is not None and 1 <= found[0] <= 31:
            return found
        return None

    def year_number(self, i: int) -> tuple[int, int] | None:
        if i < self.n and self.t[i].kind == "num" and not self.t[i].ordinal:
            tok = self.t[i]
            if len(tok.text) == 4 and tok.value is not None and tok.value >= 1000:
                return tok.value, i + 1
        return None

    def year_spec(self, i: int) -> tuple[int | None, int | None, int] | None:
        """`2025`, `, 2025`, `of 2025`, `(of) last/this/next year` → (year, offset, next)."""
        j = self.skip_punct(i, ",")
        if (y := self.year_number(j)) is not None:
            return y[0], None, y[1]
        j = self.skip(i, "of")
        if (y := self.year_number(j)) is not None:
            return y[0], None, y[1]
        for words, offset in (
            ("last year", -1),
            ("previous year", -1),
            ("this year", 0),
            ("next year", 1),
            ("the previous year", -1),
        ):
            if (k := self.seq(j, words)) is not None:
                return None, offset, k
        return None

    def month_name(self, i: int) -> tuple[int, bool, int] | None:
        return self._name(i, MONTHS, WEAK_MONTHS)  # "nov. 3"; "sept." alone

    def weekday_name(self, i: int) -> tuple[int, bool, int] | None:
        return self._name(i, WEEKDAYS, WEAK_WEEKDAYS)  # "what happened fri."

    def _name(
        self, i: int, names: dict[str, int], weak_names: frozenset[str]
    ) -> tuple[int, bool, int] | None:
        """(number, weak, next) for a month or weekday name; `weak` needs context, but a
        period after an abbreviation (not "may.") makes it strong."""
        w = self.word(i)
        if w is None or w not in names:
            return None
        weak = w in weak_names
        j = i + 1
        if weak and w != "may" and (k := self.punct(j, ".")) is not None:
            j, weak = k, w not in PERIOD_ABBREVIATIONS
        return names[w], weak, j
