"""Text → temporal phrases with their character spans.

Two linear stages, so no input can trigger catastrophic backtracking:

1. one `re.finditer` pass splits the text into tokens (every alternative of the
   token pattern is bounded or a plain character-class run);
2. a hand-written recursive-descent parser tries, at each token that could start
   a phrase, every phrase rule. No rule loops: each reads at most a small, fixed
   number of tokens, and results per (position, context) are memoised, so the
   whole scan is O(tokens).

Matches are taken leftmost-longest and never overlap: "from Nov 1 to Nov 5" is
one phrase, not three.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from datetime import datetime

from rem_agent.dates.phrases import (
    Between,
    Bound,
    ClockTime,
    DateRef,
    DateTimeRef,
    DayNode,
    DayPart,
    DayPartName,
    PeriodKind,
    PeriodRef,
    Phrase,
    Point,
    Precision,
    Rel,
    Relative,
    Rolling,
    ToDate,
    Unit,
    Vague,
    WeekdayRef,
    WeekendRef,
    YearRef,
)
from rem_agent.dates.spelling import suggest
from rem_agent.dates.vocabulary import PERIOD_ABBREVIATIONS

_RELATIVE_WORDS: dict[str, Rel] = {"this": "this", "last": "last", "next": "next", "past": "last"}

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


@dataclass(frozen=True, slots=True)
class Recognition:
    """One temporal phrase: the text as typed, its [begin, end) span, its meaning.

    `read_as` is the phrase with its misspelt date words corrected ("lst week" is read
    as "last week"); None when it was read as typed.
    """

    text: str
    span: tuple[int, int]
    phrase: Phrase
    read_as: str | None = None


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


def recognise(text: str, *, correct: bool = True) -> list[Recognition]:
    """Every temporal phrase in `text`, left to right, without overlaps.

    With `correct`, a misspelt date word is read as the one date word it is close to
    (spelling.py); a phrase that needed one says so in `read_as`.
    """
    tokens = tokenize(text)
    fixes = _corrections(tokens) if correct else {}
    if fixes:
        tokens = [
            dataclasses.replace(tok, text=fixes[k]) if k in fixes else tok
            for k, tok in enumerate(tokens)
        ]
    parser = _Parser(tokens)
    found: list[Recognition] = []
    i = 0
    while i < len(tokens):
        match = parser.phrase(i) if _may_start(tokens[i]) else None
        if match is None:
            i += 1
            continue
        phrase, end = match
        begin, finish = tokens[i].start, tokens[end - 1].end
        read_as = _read_as(text, tokens, range(i, end), fixes) if fixes else None
        found.append(
            Recognition(
                text=text[begin:finish], span=(begin, finish), phrase=phrase, read_as=read_as
            )
        )
        i = end
    return found


def _corrections(tokens: list[Token]) -> dict[int, str]:
    """Token index → the date word a misspelt word token is read as."""
    fixes: dict[int, str] = {}
    for k, tok in enumerate(tokens):
        if (
            tok.kind == "word"
            and tok.text not in _KNOWN_WORDS
            and (word := suggest(tok.text)) is not None
        ):
            fixes[k] = word
    return fixes


def _read_as(text: str, tokens: list[Token], indices: range, fixes: dict[int, str]) -> str | None:
    """The phrase over `indices` as read, with corrected words in the typed letter case."""
    fixed = [k for k in indices if k in fixes]
    if not fixed:
        return None
    begin, finish = tokens[indices.start].start, tokens[indices.stop - 1].end
    out = text[begin:finish]
    for k in reversed(fixed):
        typed = text[tokens[k].start : tokens[k].end]
        word = fixes[k].upper() if typed.isupper() and len(typed) > 1 else fixes[k]
        word = word.capitalize() if typed[:1].isupper() and not typed.isupper() else word
        out = out[: tokens[k].start - begin] + word + out[tokens[k].end - begin :]
    return out


# --- vocabulary -------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(
    _words("january february march april may june july august september october november december"),
    start=1,
):
    _MONTHS[_name] = _number
    _MONTHS[_name[:3]] = _number
_MONTHS["sept"] = 9
# Words that are also ordinary English (or names): a month only with context.
_WEAK_MONTHS = frozenset(k for k in _MONTHS if len(k) <= 4 and k not in ("june", "july")) | {"may"}

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "monday mon",
        "tuesday tue tues",
        "wednesday wed",
        "thursday thu thur thurs",
        "friday fri",
        "saturday sat",
        "sunday sun",
    )
):
    for _name in _names.split():
        _WEEKDAYS[_name] = _number
_WEAK_WEEKDAYS = frozenset(k for k in _WEEKDAYS if not k.endswith("day"))

_UNITS: dict[str, tuple[Unit, int]] = {}
for _unit, _names in (
    ("second", "second seconds sec secs"),
    ("minute", "minute minutes min mins"),
    ("hour", "hour hours hr hrs h"),
    ("day", "day days d"),
    ("week", "week weeks wk wks w"),
    ("month", "month months mo mos mth mths"),
    ("quarter", "quarter quarters qtr qtrs"),
    ("year", "year years yr yrs y"),
):
    for _name in _names.split():
        _UNITS[_name] = (_unit, 1)  # type: ignore[assignment]
_UNITS |= {"fortnight": ("week", 2), "fortnights": ("week", 2)}
_UNITS |= {"decade": ("year", 10), "decades": ("year", 10)}
_CALENDAR_UNITS = frozenset({"day", "week", "month", "quarter", "year", "hour", "minute"})

_NUMBER_WORDS = {
    w: n
    for n, w in enumerate(
        _words(
            "one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen"
        ),
        start=1,
    )
}
_TENS = {
    w: 10 * n
    for n, w in enumerate(_words("twenty thirty forty fifty sixty seventy eighty ninety"), 2)
}
_ORDINAL_WORDS = {
    w: n
    for n, w in enumerate(
        _words(
            "first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
            "twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth "
            "nineteenth twentieth"
        ),
        start=1,
    )
}
_ORDINAL_WORDS["thirtieth"] = 30
_VAGUE_NUMBERS = frozenset(_words("few several some many couple"))
_TO_DATE_STARTERS = frozenset(_words("so this the week month quarter year earlier ytd mtd qtd wtd"))

_DAY_PARTS: dict[str, DayPartName] = {
    "morning": "morning",
    "afternoon": "afternoon",
    "evening": "evening",
    "night": "night",
}
_PREPOSITIONS = frozenset(_words("in on during from over for within throughout"))
_APPROXIMATE = frozenset(_words("about around roughly approximately circa nearly almost"))
_VAGUE_PARTS = frozenset(_words("early mid late"))
_RANGE_TO = frozenset(_words("to until till til through thru - – —"))
# Words a phrase can begin with; anything else is skipped without running the rules.
_WORD_STARTERS = (
    frozenset(_MONTHS)
    | frozenset(_WEEKDAYS)
    | frozenset(_NUMBER_WORDS)
    | frozenset(_TENS)
    | frozenset(_ORDINAL_WORDS)
    | _PREPOSITIONS
    | _APPROXIMATE
    | _VAGUE_PARTS
    | _VAGUE_NUMBERS
    | _TO_DATE_STARTERS
    | frozenset(
        _words(
            "today yesterday tomorrow tonight last next past previous prior current "
            "coming following recently lately weekend a an since as starting beginning "
            "after before until till til up through thru between older more less "
            "sometime long ages way not these recent start end middle at no day"
        )
    )
)


# Words the rules read as they are: never respelt.
_KNOWN_WORDS = _WORD_STARTERS | frozenset(_UNITS) | frozenset(_DAY_PARTS) | _RANGE_TO


def _may_start(token: Token) -> bool:
    return token.kind != "punct" and (token.kind != "word" or token.text in _WORD_STARTERS)


# --- the parser -------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _split(phrase: str) -> tuple[str, ...]:
    """Words of a rule's constant phrase (the rules use a fixed, small set)."""
    return tuple(phrase.split())


Match = tuple[Phrase, int]  # a phrase and the index of the token after it


def _longest(*matches: Match | None) -> Match | None:
    best: Match | None = None
    for match in matches:
        if match is not None and (best is None or match[1] > best[1]):
            best = match
    return best


class _Parser:
    """Phrase rules over one token list. Each `rule(i, ...)` returns (phrase, next index) or None.

    `strong` means a preposition or range word came first, which licenses words
    that are ambiguous on their own: "may", "sat", "2024".
    """

    def __init__(self, tokens: list[Token]) -> None:
        self.t = tokens
        self.n = len(tokens)
        # Owned by this parser (one request) and bounded by 2 x tokens.
        self._memo: dict[tuple[int, bool], Match | None] = {}

    # small matchers ------------------------------------------------------

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
        for k, w in enumerate(_split(phrase)):
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
        if w in _VAGUE_NUMBERS:
            return None, self.skip(i + 1, "of")
        if w in _TENS:
            j = self.skip_punct(i + 1, "-")
            if (one := self.word(j)) in _NUMBER_WORDS and _NUMBER_WORDS[one] < 10:
                return _TENS[w] + _NUMBER_WORDS[one], j + 1
            return _TENS[w], i + 1
        if w in _NUMBER_WORDS:
            return _NUMBER_WORDS[w], i + 1
        return None

    def unit(self, i: int) -> tuple[Unit, int, int] | None:
        w = self.word(i)
        if w is None or w not in _UNITS:
            return None
        # Single letters ("3d", "24h") only when glued to their number.
        if len(w) == 1 and (i == 0 or self.t[i - 1].end != self.t[i].start):
            return None
        unit, mult = _UNITS[w]
        return unit, mult, i + 1

    def ordinal(self, i: int) -> tuple[int, int] | None:
        if i < self.n and self.t[i].kind == "num":
            tok = self.t[i]
            if tok.value is not None and tok.ordinal:
                return tok.value, i + 1
            return None
        w = self.word(i)
        if w in _ORDINAL_WORDS:
            return _ORDINAL_WORDS[w], i + 1
        if w in ("twenty", "thirty"):
            j = self.skip_punct(i + 1, "-")
            if (o := self.word(j)) in _ORDINAL_WORDS and _ORDINAL_WORDS[o] < 10:
                return _TENS[w] + _ORDINAL_WORDS[o], j + 1
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
        w = self.word(i)
        if w is None or w not in _MONTHS:
            return None
        weak = w in _WEAK_MONTHS
        j = i + 1
        if weak and w != "may" and (k := self.punct(j, ".")) is not None:
            j, weak = k, w not in PERIOD_ABBREVIATIONS  # "nov. 3"; "sept." alone
        return _MONTHS[w], weak, j

    def weekday_name(self, i: int) -> tuple[int, bool, int] | None:
        w = self.word(i)
        if w is None or w not in _WEEKDAYS:
            return None
        weak = w in _WEAK_WEEKDAYS
        j = i + 1
        if weak and (k := self.punct(j, ".")) is not None:
            j, weak = k, w not in PERIOD_ABBREVIATIONS  # "what happened fri."
        return _WEEKDAYS[w], weak, j

    # phrase level --------------------------------------------------------

    def phrase(self, i: int) -> Match | None:
        return _longest(
            self.range(i), self.day_range(i), self.bound(i), self.point(i), self.vague(i)
        )

    def point(self, i: int) -> Match | None:
        """A point, optionally after a preposition that joins the span ("in March")."""
        best = self.point_core(i, strong=False)
        if self.word(i) in _PREPOSITIONS:
            best = _longest(best, self.point_core(i + 1, strong=True))
            if self.word(i) == "within":
                best = _longest(best, self.counted(i + 1))
        return best

    def range(self, i: int) -> Match | None:
        lead = self.word(i)
        if lead in ("from", "between"):
            connectors = {"and", "-", "–", "to"} if lead == "between" else _RANGE_TO
            first = self.point_core(i + 1, strong=True)
        else:
            connectors = _RANGE_TO
            first = self.point_core(i, strong=False)
        if first is None:
            return None
        node, j = first
        if j >= self.n or self.t[j].text not in connectors:
            return None
        last = self.range_end(j + 1, node)
        if last is None:
            return None
        return Between(first=node, last=last[0]), last[1]  # type: ignore[arg-type]

    def day_range(self, i: int) -> Match | None:
        """13-15 July, from the 13th to the 15th of July: the month (and year) once, at the end."""
        lead = self.word(i)
        j = i + 1 if lead in ("from", "between") else i
        connectors = {"and", "-", "–", "to"} if lead == "between" else _RANGE_TO
        first = self.day_number(self.skip(j, "the"))
        if first is None or first[1] >= self.n or self.t[first[1]].text not in connectors:
            return None
        k = first[1] + 1
        if self.day_number(self.skip(k, "the")) is None:
            return None  # "13 to July 15" names a month in the middle: not this form
        last = self.calendar_date(k, strong=True)
        if last is None:
            return None
        node, end = last
        if node.day < first[0]:
            return Vague(reason="the first day comes after the last"), end
        return Between(first=dataclasses.replace(node, day=first[0]), last=node), end

    def range_end(self, i: int, first: Phrase) -> tuple[Point, int] | None:
        best = self.point_core(i, strong=True)
        if isinstance(first, DateRef) and (d := self.day_number(i)) is not None:
            # "Nov 1 to 5", "Nov 1-5, 2025": the month carries over.
            year, offset, j = first.year, first.year_offset, d[1]
            if (ys := self.year_spec(j)) is not None:
                year, offset, j = ys
            if best is None or j > best[1]:
                best = DateRef(month=first.month, day=d[0], year=year, year_offset=offset), j
        if best is None or isinstance(best[0], Bound | Between | Vague):
            return None
        return best  # type: ignore[return-value]

    def bound(self, i: int) -> Match | None:
        best: Match | None = None
        keywords = (
            ()
            if self.word(i) is None
            else (
                ("since", "since"),
                ("as of", "since"),
                ("starting from", "since"),
                ("starting on", "since"),
                ("starting in", "since"),
                ("starting", "since"),
                ("beginning from", "since"),
                ("beginning on", "since"),
                ("beginning in", "since"),
                ("on or after", "since"),
                ("after", "after"),
                ("later than", "after"),
                ("before", "before"),
                ("prior to", "before"),
                ("earlier than", "before"),
                ("until", "until"),
                ("till", "until"),
                ("til", "until"),
                ("up to", "until"),
                ("up until", "until"),
                ("through", "until"),
                ("thru", "until"),
                ("on or before", "until"),
                ("no later than", "until"),
            )
        )
        for words, kind in keywords:
            j = self.seq(i, words)
            if j is None:
                continue
            inner = self.point_core(j, strong=True)
            if inner is not None and not isinstance(inner[0], Vague):
                best = _longest(best, (Bound(kind=kind, inner=inner[0]), inner[1]))  # type: ignore[arg-type]
            elif inner is not None:
                best = _longest(best, inner)
        # "from March on", "March onwards"
        start = self.skip(i, "from")
        inner = self.point_core(start, strong=start > i)
        if inner is not None and not isinstance(inner[0], Vague):
            j = self.one(inner[1], "onwards", "onward", "forward")
            if j is not None:
                best = _longest(best, (Bound(kind="since", inner=inner[0]), j))  # type: ignore[arg-type]
        # "older than 30 days", "more than 2 weeks ago"
        for words in ("older than", "more than", "over"):
            j = self.seq(i, words)
            counted = self.counted(j) if j is not None else None
            if counted is None:
                continue
            node, k = counted
            if words != "older than":
                if (k2 := self.one(k, "ago")) is None:
                    continue
                k = k2
            if isinstance(node, Vague):
                best = _longest(best, (node, k))
            else:
                best = _longest(best, (Bound(kind="before", inner=node), k))
        j = self.seq(i, "less than")
        counted = self.counted(j) if j is not None else None
        if counted is not None and (ago := self.one(counted[1], "ago")) is not None:
            best = _longest(best, (counted[0], ago))
        return best

    def counted(self, i: int) -> tuple[Rolling | Vague, int] | None:
        """`N units` as a rolling period (used by within / older than / less than)."""
        num = self.number(i)
        if num is None:
            return None
        unit = self.unit(num[1])
        if unit is None:
            return None
        if num[0] is None:
            return Vague(reason="a vague number of units; say how many"), unit[2]
        return Rolling(unit=unit[0], count=num[0] * unit[1]), unit[2]

    # points ----------------------------------------------------------------

    def point_core(self, i: int, strong: bool) -> Match | None:
        key = (i, strong)
        if key in self._memo:
            return self._memo[key]
        result = None
        if i < self.n:
            result = _longest(
                self.day_with_time(i, strong),
                self.standalone_day_part(i),
                self.relative_unit(i),
                self.rolling(i),
                self.ago(i),
                self.to_date(i),
                self.month(i, strong),
                self.quarter(i),
                self.year(i, strong),
                self.weekend(i),
                self.iso(i),
                self.numeric_date(i, strong),
                self.recently(i),
            )
        self._memo[key] = result
        return result

    def day(self, i: int, strong: bool) -> tuple[DayNode, int] | None:
        """Phrases naming one day."""
        best: tuple[DayNode, int] | None = None
        relative_days = (
            ()
            if self.word(i) is None
            else (
                ("today", 0),
                ("yesterday", -1),
                ("tomorrow", 1),
                ("the day before yesterday", -2),
                ("day before yesterday", -2),
                ("the day after tomorrow", 2),
                ("day after tomorrow", 2),
            )
        )
        for words, offset in relative_days:
            if (j := self.seq(i, words)) is not None and (best is None or j > best[1]):
                best = Relative(unit="day", offset=offset), j
        for found in (self.calendar_date(i, strong), self.weekday(i, strong)):
            if found is not None and (best is None or found[1] > best[1]):
                best = found
        tok = self.t[i] if i < self.n else None
        if tok is not None and tok.kind == "iso" and len(tok.text) == 10:
            node = self.iso(i)
            if node is not None and isinstance(node[0], DateRef):
                best = node[0], node[1]
        return best

    def day_with_time(self, i: int, strong: bool) -> Match | None:
        found = self.day(i, strong)
        if found is None:
            return None
        day, j = found
        # "yesterday afternoon", "Monday in the morning", "yesterday at 3pm"
        k = self.seq(j, "in the") or j
        if (part := self.word(k)) in _DAY_PARTS:
            return DayPart(day=day, part=_DAY_PARTS[part]), k + 1
        k = self.one(j, "at") or self.punct(j, "@") or j
        clock = self.clock(k)
        if clock is not None and (k > j or self.t[k].text[-1] == "m"):
            hour, minute, precision, end = clock
            return ClockTime(day=day, hour=hour, minute=minute, precision=precision), end
        return day, j

    def clock(self, i: int) -> tuple[int, int, Precision, int] | None:
        """A clock time token: 15:00, 3pm, 3:30 p.m."""
        if i >= self.n or self.t[i].kind != "time":
            return None
        text = self.t[i].text
        m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s?(?:([ap])\.?m\.?)?", text)
        if m is None:
            return None
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if m.group(4):
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if m.group(4) == "p" else 0)
        if hour > 23 or minute > 59 or (m.group(3) and int(m.group(3)) > 59):
            return None
        precision: Precision = "minute" if m.group(2) else "hour"
        return hour, minute, precision, i + 1

    def standalone_day_part(self, i: int) -> Match | None:
        if (j := self.one(i, "tonight")) is not None:
            return DayPart(day=Relative(unit="day", offset=0), part="night"), j
        if (j := self.one(i, "this")) is not None and (w := self.word(j)) in _DAY_PARTS:
            return DayPart(day=Relative(unit="day", offset=0), part=_DAY_PARTS[w]), j + 1
        if (j := self.one(i, "last")) is not None and (w := self.word(j)) in ("night", "evening"):
            return DayPart(day=Relative(unit="day", offset=-1), part=_DAY_PARTS[w]), j + 1
        return None

    def relative_unit(self, i: int) -> Match | None:
        """this/last/next/past week; the week before last."""
        j = self.skip(i, "the")
        best: Match | None = None
        unit_here = self.unit(j)
        if unit_here is not None and unit_here[1] == 1:
            k = self.seq(unit_here[2], "before last")
            if k is not None and unit_here[0] in _CALENDAR_UNITS:
                best = Relative(unit=unit_here[0], offset=-2), k
        w = self.word(j)
        if w is None:
            return best
        rolling_words = ("past",) if j == i else ("past", "last")
        k = self.seq(j, "this past") or self.seq(j, "these past")
        if k is None:
            k = j + 1
        elif w in ("this", "these"):
            w = "past"
        k = self.skip_punct(k, "-")  # "last-week"
        unit = self.unit(k)
        if unit is None or len(self.t[k].text) == 1:
            return best
        name, mult, end = unit
        if self.t[k].text.endswith("s") and name != "second" and mult == 1:
            return best  # plural needs a count: "past weeks" is not a period
        if w in rolling_words:
            return _longest(best, (Rolling(unit=name, count=mult), end))
        if mult != 1:
            return _longest(best, (Rolling(unit=name, count=mult), end)) if w == "last" else best
        offset = {
            "this": 0,
            "current": 0,
            "last": -1,
            "previous": -1,
            "prior": -1,
            "next": 1,
            "coming": 1,
            "following": 1,
        }.get(w)
        if offset is None or name not in _CALENDAR_UNITS:
            return best
        return _longest(best, (Relative(unit=name, offset=offset), end))

    def rolling(self, i: int) -> Match | None:
        """past/last/next N units; the last three weeks."""
        j = self.skip(i, "the", "these", "this")
        w = self.word(j)
        if w not in ("past", "last", "previous", "prior", "next", "coming", "following"):
            return None
        num = self.number(j + 1)
        if num is None:
            return None
        unit = self.unit(num[1])
        if unit is None:
            return None
        if num[0] is None:
            return Vague(reason="a vague number of units; say how many"), unit[2]
        forward = w in ("next", "coming", "following")
        return Rolling(unit=unit[0], count=num[0] * unit[1], forward=forward), unit[2]

    def ago(self, i: int) -> Match | None:
        """3 days ago, a week ago, two months back."""
        num = self.number(i)
        if num is None:
            return None
        unit = self.unit(num[1])
        if unit is None:
            return None
        j = self.one(unit[2], "ago", "back")
        if j is None:
            return None
        if num[0] is None:
            return Vague(reason="a vague number of units ago; say how many"), j
        return Relative(unit=unit[0], offset=-num[0] * unit[1]), j

    def to_date(self, i: int) -> Match | None:
        """so far this year, year to date, YTD, earlier this week, earlier today."""
        if self.word(i) not in _TO_DATE_STARTERS:
            return None
        best: Match | None = None
        units: tuple[Unit, ...] = ("week", "month", "quarter", "year")
        for name in units:
            for words, earlier in (
                (f"so far this {name}", False),
                (f"this {name} so far", False),
                (f"the {name} so far", False),
                (f"{name} to date", False),
                (f"this {name} to date", False),
                (f"earlier this {name}", True),
                (f"earlier in the {name}", True),
            ):
                if (j := self.seq(i, words)) is not None:
                    best = _longest(best, (ToDate(unit=name, earlier=earlier), j))
        abbreviations: dict[str, Unit] = {
            "ytd": "year",
            "mtd": "month",
            "qtd": "quarter",
            "wtd": "week",
        }
        if (w := self.word(i)) in abbreviations:
            best = _longest(best, (ToDate(unit=abbreviations[w]), i + 1))
        if (j := self.seq(i, "earlier today")) is not None:
            best = _longest(best, (ToDate(unit="day", earlier=True), j))
        if (j := self.seq(i, "so far today")) is not None:
            best = _longest(best, (ToDate(unit="day"), j))
        return best

    def recently(self, i: int) -> Match | None:
        if (j := self.one(i, "recently", "lately")) is not None:
            return Rolling(unit="week", count=1), j
        return None

    def relative_prefix(self, i: int) -> tuple[Rel, int]:
        """`this`/`last`/`next`/`past` before a month or weekday name, and where the name starts."""
        rel = _RELATIVE_WORDS.get(self.word(i) or "")
        return (rel, i + 1) if rel is not None else ("bare", i)

    def month(self, i: int, strong: bool) -> Match | None:
        """March, in March, last March, March 2025, March of last year."""
        rel, j = self.relative_prefix(i)
        found = self.month_name(j)
        if found is None:
            return None
        number, weak, k = found
        spec = self.year_spec(k)
        # "may" and abbreviations need context; "this may ..." is usually a verb.
        if spec is None and weak and not strong and rel in ("bare", "this"):
            return None
        if spec is None:
            return PeriodRef(kind="month", index=number, rel=rel), k
        year, offset, end = spec
        return PeriodRef(kind="month", index=number, year=year, year_offset=offset), end

    def calendar_date(self, i: int, strong: bool) -> tuple[DateRef, int] | None:
        """Nov 3, Nov 3rd 2025, November the 3rd, 3 November, the 3rd of Nov."""
        best: tuple[DateRef, int] | None = None
        found = self.month_name(i)
        if found is not None:
            number, _weak, j = found
            day = self.day_number(self.skip(j, "the"))
            if day is not None and self.unit(day[1]) is None:
                best = self._date_with_year(number, day[0], day[1])
        j = self.skip(i, "the")
        day = self.day_number(j)
        if day is not None:
            k = self.skip(day[1], "of")
            found = self.month_name(k)
            if found is not None:
                candidate = self._date_with_year(found[0], day[0], found[2])
                if best is None or candidate[1] > best[1]:
                    best = candidate
        return best

    def _date_with_year(self, month: int, day: int, j: int) -> tuple[DateRef, int]:
        spec = self.year_spec(j)
        if spec is None:
            return DateRef(month=month, day=day), j
        year, offset, end = spec
        return DateRef(month=month, day=day, year=year, year_offset=offset), end

    def quarter(self, i: int) -> Match | None:
        """Q3, Q3 2025, 2025-Q3, the third quarter (of 2024), H1, the second half of 2025."""
        best: Match | None = None
        j = self.skip(i, "the")
        rels: dict[str, Rel] = {"this": "this", "last": "last", "next": "next"}
        rel: Rel = "bare"
        if (w := self.word(j)) in rels:
            rel, j = rels[w], j + 1
        if j < self.n and self.t[j].kind == "qh":
            kind: PeriodKind = "quarter" if self.t[j].text[0] == "q" else "half"
            best = self._period_with_year(kind, int(self.t[j].text[1:]), rel, j + 1, punct="-/")
        year = self.year_number(i)
        if year is not None:
            k = self.skip_punct(year[1], "-")
            if k < self.n and self.t[k].kind == "qh":
                kind = "quarter" if self.t[k].text[0] == "q" else "half"
                node = PeriodRef(kind=kind, index=int(self.t[k].text[1:]), year=year[0])
                best = _longest(best, (node, k + 1))
        j = self.skip(i, "the")
        ordinal = self.ordinal(j)
        ord_end = None
        index = None
        if ordinal is not None and (ordinal[0] <= 4):
            index, ord_end = ordinal
        elif (last := self.one(j, "last", "final")) is not None:
            index, ord_end = -1, last
        if index is not None and ord_end is not None:
            w = self.word(ord_end)
            kinds: dict[str, PeriodKind] = {"quarter": "quarter", "half": "half"}
            if w in kinds:
                kind = kinds[w]
                spec = self.year_spec(ord_end + 1)
                if index == -1:
                    if spec is None:
                        return best  # "the last quarter" is rolling, handled elsewhere
                    index = 4 if kind == "quarter" else 2
                if spec is None:
                    node = PeriodRef(kind=kind, index=index)
                    best = _longest(best, (node, ord_end + 1))
                else:
                    node = PeriodRef(kind=kind, index=index, year=spec[0], year_offset=spec[1])
                    best = _longest(best, (node, spec[2]))
        return best

    def _period_with_year(
        self, kind: PeriodKind, index: int, rel: Rel, j: int, punct: str
    ) -> Match:
        spec = self.year_spec(self.skip_punct(j, punct))
        if spec is None:
            return PeriodRef(kind=kind, index=index, rel=rel), j
        return PeriodRef(kind=kind, index=index, year=spec[0], year_offset=spec[1]), spec[2]

    def year(self, i: int, strong: bool) -> Match | None:
        if (j := self.seq(i, "the year")) is not None and (y := self.year_number(j)) is not None:
            return YearRef(year=y[0]), y[1]
        if strong and (y := self.year_number(i)) is not None and 1900 <= y[0] <= 2199:
            return YearRef(year=y[0]), y[1]
        return None

    def weekday(self, i: int, strong: bool) -> tuple[WeekdayRef, int] | None:
        """Monday, on Monday, last Thursday, Monday last week."""
        rel, j = self.relative_prefix(i)
        found = self.weekday_name(j)
        if found is None:
            return None
        number, weak, k = found
        week_offset = None
        m = self.skip(k, "of")
        for words, offset in (("this week", 0), ("last week", -1), ("next week", 1)):
            if (end := self.seq(m, words)) is not None and rel == "bare":
                week_offset, k = offset, end
        if weak and not strong and rel == "bare" and week_offset is None:
            return None
        return WeekdayRef(weekday=number, rel=rel, week_offset=week_offset), k

    def weekend(self, i: int) -> Match | None:
        j = self.skip(i, "the")
        rel: str = "bare"
        for words, name in (
            ("this past", "last"),
            ("past", "last"),
            ("last", "last"),
            ("previous", "last"),
            ("this", "this"),
        ):
            if (k := self.seq(j, words)) is not None:
                rel, j = name, k
                break
        weekend = self.one(j, "weekend")
        if weekend is None:
            return None
        j = weekend
        if (k := self.seq(j, "before last")) is not None:
            return WeekendRef(rel="last", back=1), k
        return WeekendRef(rel=rel), j  # type: ignore[arg-type]

    def iso(self, i: int) -> Match | None:
        if i >= self.n or self.t[i].kind != "iso":
            return None
        text = self.t[i].text
        if len(text) == 10:
            year, month, day = (int(p) for p in text.split("-"))
            return DateRef(month=month, day=day, year=year), i + 1
        normal = text.upper().replace(" ", "T")
        normal = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", normal)
        try:
            moment = datetime.fromisoformat(normal)
        except ValueError:
            return Vague(reason=f"{text!r} is not a valid date and time"), i + 1
        clock = normal[11:].split("+")[0].split("-")[0].rstrip("Z")
        precision: Precision = "second" if clock.count(":") >= 2 else "minute"
        return DateTimeRef(moment=moment, precision=precision), i + 1

    def numeric_date(self, i: int, strong: bool) -> Match | None:
        """11/03/2025, 2025/11/03, 11/2025; day/month order must not be a guess."""
        if i >= self.n or self.t[i].kind != "numdate":
            return None
        text = self.t[i].text
        parts = re.split(r"[/.]", text)
        numbers = [int(p) for p in parts]
        end = i + 1
        if len(parts) == 3 and len(parts[0]) == 4:
            return DateRef(month=numbers[1], day=numbers[2], year=numbers[0]), end
        if len(parts) == 2 and len(parts[1]) == 4 and 1 <= numbers[0] <= 12:
            return PeriodRef(kind="month", index=numbers[0], year=numbers[1]), end
        if len(parts) == 2 and len(parts[0]) == 4 and 1 <= numbers[1] <= 12:
            return PeriodRef(kind="month", index=numbers[1], year=numbers[0]), end
        if any(len(p) > 2 for p in parts[:2]) or (len(parts) == 3 and len(parts[2]) not in (2, 4)):
            return None
        a, b = numbers[0], numbers[1]
        year = None
        if len(parts) == 3:
            year = numbers[2] + (2000 if len(parts[2]) == 2 else 0)
        if a == b and 1 <= a <= 12:
            month, day = a, b
        elif a > 12 and 1 <= b <= 12:
            month, day = b, a
        elif b > 12 and 1 <= a <= 12:
            month, day = a, b
        elif 1 <= a <= 12 and 1 <= b <= 12:
            return Vague(
                reason=f"{text!r} could be day/month or month/day; write the month name"
            ), end
        else:
            return None
        if year is None and not strong:
            return None  # "24/7" on its own is not a date
        return DateRef(month=month, day=day, year=year), end

    # vague ---------------------------------------------------------------

    def vague(self, i: int) -> Match | None:
        if self.word(i) is None:
            return None
        best: Match | None = None
        for words in (
            "a while ago",
            "a while back",
            "a while",
            "some time ago",
            "sometime ago",
            "some time back",
            "long ago",
            "a long time ago",
            "not long ago",
            "ages ago",
            "the other day",
            "way back",
            "a bit ago",
        ):
            if (j := self.seq(i, words)) is not None:
                best = _longest(best, (Vague(reason=f"{words!r} is not a definite time"), j))
        if (w := self.word(i)) in _APPROXIMATE:
            inner = self.ago(i + 1)
            if inner is not None:
                reason = "an approximate time; give the exact period"
                best = _longest(best, (Vague(reason=reason), inner[1]))
        j = self.skip(i, "in")
        if (k := self.one(j, "recent")) is not None and self.unit(k) is not None:
            best = _longest(
                best, (Vague(reason="'recent' with a unit is not a definite period"), k + 1)
            )
        if w in _VAGUE_PARTS:
            inner = self.point_core(self.skip_punct(i + 1, "-"), strong=True)
            if inner is not None:
                reason = f"'{w} ...' names part of a period without saying which part"
                best = _longest(best, (Vague(reason=reason), inner[1]))
        j = self.skip(i, "the")
        for part in ("beginning", "start", "end", "middle"):
            if (k := self.seq(j, f"{part} of")) is not None:
                inner = self.point_core(k, strong=True)
                if inner is not None:
                    reason = f"'the {part} of ...' names part of a period without saying which part"
                    best = _longest(best, (Vague(reason=reason), inner[1]))
        if (k := self.seq(i, "next weekend")) is not None:
            reason = "'next weekend' could mean the coming weekend or the one after"
            best = _longest(best, (Vague(reason=reason), k))
        if (k := self.one(i, "at")) is not None and self.clock(k) is not None:
            best = _longest(best, (Vague(reason="a clock time needs a day"), k + 1))
        return best
