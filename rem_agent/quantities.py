"""Quantities in a request, read by code like dates, never guessed by the model.

Two kinds (issue 20):
- sizes: "10mb", "1.5 GB", "500k", "over 2 megs", "twenty megabytes" → bytes, in decimal
  units (1 kB = 1,000 bytes, 1 MB = 1,000,000, 1 GB = 1,000,000,000, as disks and p8fs's
  `file_size` count them); KiB, MiB and GiB, said so, are binary (1,024 and its powers);
- counts: "latest five", "top ten", "a dozen", "5 most recent", "the most recent session"
  (one) → how many items a LIMIT may say.

The decode grammar then allows only these numbers where a size (a field whose catalog
unit is bytes) or a count (LIMIT) is written. Time phrases are not quantities: "last 3 days"
is a date, so the spans the date resolver found are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from rem_agent.text import NUMBER_WORDS, TENS

Kind = Literal["size", "count"]


class Quantity(BaseModel):
    """One quantity of a request: what it said (`text`, at `span`), its value, and how it
    was read (for `--explain` and `--json`)."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    text: str
    span: tuple[int, int]
    value: int  # bytes for a size, items for a count
    read_as: str


class Quantities(BaseModel):
    model_config = ConfigDict(frozen=True)

    found: tuple[Quantity, ...] = ()

    def values(self, kind: Kind) -> tuple[int, ...] | None:
        """The values of one kind, in text order without repeats; None when none was read
        (the grammar is then not narrowed)."""
        values = tuple(dict.fromkeys(q.value for q in self.found if q.kind == kind))
        return values or None


_UNITS: dict[str, tuple[int, str]] = {}
for _names, _factor, _label in (
    ("b byte bytes", 1, "bytes"),
    ("k kb kbs kilobyte kilobytes", 10**3, "kB"),
    ("m mb mbs meg megs megabyte megabytes", 10**6, "MB"),
    ("g gb gbs gig gigs gigabyte gigabytes", 10**9, "GB"),
    ("t tb tbs terabyte terabytes", 10**12, "TB"),
    ("kib", 2**10, "KiB"),
    ("mib", 2**20, "MiB"),
    ("gib", 2**30, "GiB"),
):
    for _name in _names.split():
        _UNITS[_name] = (_factor, _label)

# Units a bare letter stands for only when it touches the number ("500k", "5m"): "5 m" is
# as likely minutes, meters or a name.
_ATTACHED_ONLY = frozenset({"b", "k", "m", "g", "t"})

_SPELLED = "|".join(
    sorted({*NUMBER_WORDS, *TENS, *(f"{t}[ -]{o}" for t in TENS for o in list(NUMBER_WORDS)[:9])},
           key=len, reverse=True)
)  # fmt: skip
_NUMBER = rf"(?P<num>\d+(?:[.,]\d+)?|a dozen|dozen|a couple of|a couple|{_SPELLED})"
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_SIZE = re.compile(rf"(?<![\w.]){_NUMBER}(?P<gap>\s*)(?P<unit>{_UNIT})(?!\w)", re.IGNORECASE)
# "5-10 mb", "between 100 and 200 mb", "1 to 2 gb": the unit after the second number
# is the first one's too (matched on the text just before the second number).
_RANGE_LOW = re.compile(r"(?<![\w.])(?P<low>\d+(?:[.,]\d+)?)\s*(?:-|–|to|and)\s*$", re.IGNORECASE)
_ORDERING = (
    r"top|latest|newest|most recent|recent|last|first|oldest|earliest|biggest|largest|"
    r"smallest|heaviest|best|worst|highest|lowest"
)
_COUNT_BEFORE = re.compile(rf"(?<!\w)(?P<lead>{_ORDERING})\s+{_NUMBER}(?!\w)", re.IGNORECASE)
_COUNT_AFTER = re.compile(
    rf"(?<![\w.]){_NUMBER}\s+(?P<lead>{_ORDERING}|most\s+\w+)(?!\w)", re.IGNORECASE
)
# "the most recent session", "my last meeting": one item (the noun is singular).
_ONE = re.compile(
    rf"(?<!\w)(?:the|my|our)\s+(?P<lead>{_ORDERING})\s+(?P<noun>[a-z][a-z-]*)(?!\w)",
    re.IGNORECASE,
)
_NOT_A_NOUN = frozenset({"one", "ones", "few", "couple", "week", "month", "year", "day", "time"})


def number_value(text: str) -> float | None:
    """The number a digit string or a spelled number says ("1.5", "twenty five", "a dozen")."""
    word = text.lower().strip()
    if word in ("a dozen", "dozen"):
        return 12
    if word in ("a couple", "a couple of"):
        return 2
    if re.fullmatch(r"\d+([.,]\d+)?", word):
        return float(word.replace(",", "."))
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    if word in TENS:
        return TENS[word]
    parts = re.split(r"[ -]", word)
    if len(parts) == 2 and parts[0] in TENS and NUMBER_WORDS.get(parts[1], 10) < 10:
        return TENS[parts[0]] + NUMBER_WORDS[parts[1]]
    return None


def read_quantities(text: str, *, skip: Sequence[tuple[int, int]] = ()) -> Quantities:
    """Every size and count in `text`, in text order; spans in `skip` (date phrases) and
    overlaps with an earlier quantity are passed over."""
    taken: list[tuple[int, int]] = list(skip)
    found: list[Quantity] = []

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    def add(kind: Kind, span: tuple[int, int], value: int, read_as: str) -> None:
        if free(span):
            taken.append(span)
            found.append(
                Quantity(kind=kind, text=text[span[0] : span[1]], span=span, value=value,
                         read_as=read_as)
            )  # fmt: skip

    for m in _SIZE.finditer(text):
        unit = m["unit"].lower()
        if unit in _ATTACHED_ONLY and m["gap"]:
            continue
        factor, label = _UNITS[unit]
        low = _RANGE_LOW.search(text, 0, m.start())
        low_n = number_value(low["low"]) if low is not None else None
        if low is not None and low_n is not None and (value := round(low_n * factor)) > 0:
            span = (low.start(), low.start() + len(low["low"]))
            add("size", span, value, f"{_plain(low_n)} {label} (the range's unit) = {value} bytes")
        n = number_value(m["num"])
        if n is None or (unit in ("b", "byte", "bytes") and n != int(n)):
            continue
        value = round(n * factor)
        if value > 0:
            add("size", m.span(), value, f"{_plain(n)} {label} = {value} bytes")
    for pattern in (_COUNT_BEFORE, _COUNT_AFTER):
        for m in pattern.finditer(text):
            n = number_value(m["num"])
            if n is not None and n == int(n) and n >= 1:
                add("count", m.span(), int(n), f"{int(n)} items")
    for m in _ONE.finditer(text):
        noun = m["noun"].lower()
        if noun not in _NOT_A_NOUN and not noun.endswith("s") and m["lead"].lower() != "top":
            add("count", m.span(), 1, f"one item (the {m['lead'].lower()} {noun})")
    found.sort(key=lambda q: q.span)
    return Quantities(found=tuple(found))


def _plain(n: float) -> str:
    return str(int(n)) if n == int(n) else str(n)
