"""The request screen: what in a request asks to change data, or is SQL, and is no word.

REM only reads and quotes every string, so nothing a person types is an injection
into REM. But a payload that survives into the query ("drop", `'); DROP TABLE x;--`,
`OR '1'='1'`) reaches p8fs as search text or a value, and is not what the person
meant. This module finds those fragments, in one place: the decode spec keeps them
out of quoted text (`Screened.remainder`), the agent names them in its warnings and
refuses a request that is nothing else (`Screened.problem`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from rem_agent.rem.ast import statement_start
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.profile import SQL_WRITE_KEYWORDS

Reason = Literal["write", "sql", "field"]

# Verbs that open a request to change data ("drop the sessions table"). Only these, and
# only at the start: "how to delete a kafka topic" is a topic, "archive notes" a noun.
WRITE_VERBS = (
    "delete",
    "drop",
    "truncate",
    "remove",
    "erase",
    "wipe",
    "purge",
    "destroy",
    "insert",
    "update",
    "alter",
    "create",
    "overwrite",
)
# Anywhere in a request, these ask to change data: the query still only reads (a warning).
_WRITE_INTENT = re.compile(
    r"\b(delete|remove|drop|erase|purge|wipe|destroy|update|change|modify|rename|edit|insert|"
    r"add|create|move|archive|truncate)\b",
    re.IGNORECASE,
)
# SQL statements that could follow an injected `;`.
_SQL_STATEMENTS = (*SQL_WRITE_KEYWORDS, "SELECT", "GRANT", "REVOKE", "EXEC", "EXECUTE", "MERGE")

_I = re.IGNORECASE
_POLITE = (
    r"(?:(?:please|pls|plz|kindly|(?:can|could|would) you|go ahead and|let'?s"
    r"|i (?:want|need) to|i'd like to)\s+)*"
)
_WRITE_REQUEST = re.compile(rf"^\s*{_POLITE}({'|'.join(WRITE_VERBS)})\b(?![-'’])", _I)
_DB_NOUN = re.compile(r"\b(?:tables?|databases?|schemas?)\b", _I)

_LIT = r"""(?:'[^']*'?|"[^"]*"?|\d+(?:\.\d+)?)"""  # an SQL literal; its closing quote may be ours
_SQL_PATTERNS: tuple[re.Pattern[str], ...] = (
    # A comment runs to the end: `--` last, or after a quote, `;` or `)` ("c++ -- intro" is prose).
    re.compile(r"""(?:['";)]\s*--.*|--\s*)$"""),
    re.compile(r"/\*.*?(?:\*/|$)"),
    # A second statement after `;`, or a `;` that ends the text; a quote before it closes ours.
    re.compile(rf"""['"]?\)*\s*;\s*(?:(?:{"|".join(_SQL_STATEMENTS)})\b.*|--.*)?$""", _I),
    re.compile(r"""['"]?\)*\s*\bunion\s+(?:all\s+)?select\b.*$""", _I),
    re.compile(
        r"\b(?:drop|truncate|alter|create)\s+(?:table|database|schema|view|index)\b[\s\w.\"`]*",
        _I,
    ),
    re.compile(r"\bdelete\s+from\s+[\w.\"`]+", _I),
    re.compile(r"\binsert\s+into\b.*$", _I),
    re.compile(r"\bupdate\s+[\w.\"`]+\s+set\b.*$", _I),
    # A tautology: a literal compared with a literal, often after a quote that closes ours.
    re.compile(rf"""['"]?\)*\s*\b(?:or|and)\s+{_LIT}\s*(?:=|<>|!=|<|>|\blike\b)\s*{_LIT}""", _I),
    re.compile(r"""(?<=\w)['"]\)+"""),  # a quote that closes, then parentheses: `Robert')`
)
# `field = 'value'`, `field != 5`: a filter written in SQL, kept only if the field exists.
_COMPARISON = re.compile(
    r"""\b([A-Za-z_][A-Za-z0-9_]+)\s*(=|!=|<>|<=|>=|<|>)\s*('([^']*)'|"([^"]*)"|([\w.-]+))"""
)


class Cut(NamedTuple):
    """A span of the request that is payload, not words to quote."""

    start: int
    end: int
    kind: Literal["keyword", "write", "sql", "field"]
    words: str = ""  # what stands in the remainder instead
    detail: str = ""


class Dropped(BaseModel):
    """One fragment of the request that is not words to quote, as typed."""

    model_config = ConfigDict(frozen=True)

    text: str
    reason: Reason
    detail: str = ""  # for "field": what the catalog lacks


class Screened(BaseModel):
    """A request with its payload taken out (see the module docstring)."""

    model_config = ConfigDict(frozen=True)

    text: str
    remainder: str  # what quoted text may be made of
    keyword: str | None = None  # a leading statement keyword ("lookup Robert")
    dropped: tuple[Dropped, ...] = ()
    write_intent: bool = False  # the request asks to change data somewhere
    cuts: tuple[Cut, ...] = ()  # where the payload is in `text`, in order

    def remainder_without(self, spans: Iterable[tuple[int, int]]) -> str:
        """The remainder with these spans of the text blanked out as well (a request's
        date phrases): the words quoted text may be made of, from this one screening."""
        chars = list(self.text)
        for start, end in spans:
            chars[start:end] = " " * (end - start)  # the same length: the cuts stay put
        return _remainder("".join(chars), self.cuts)

    @property
    def problem(self) -> str | None:
        """Why the request cannot be translated at all, or None."""
        if re.search(r"\w", self.remainder):
            return None
        if self.dropped:
            what = ", ".join(repr(d.text) for d in self.dropped)
            return (
                f"nothing is left to search for once {what} is left out: REM only reads, "
                "so a command to change data or SQL syntax is not something to find"
            )
        if self.keyword:
            return (
                f"{self.keyword!r} alone is not a request: say what to find after it "
                '(LOOKUP "Sarah Chen"), or type the whole REM query'
            )
        return None

    def warnings(self) -> list[str]:
        """What was left out of quoted text, one line per kind."""
        out = []
        writes = [d.text for d in self.dropped if d.reason == "write"]
        if writes:
            out.append(
                f"left out {_listed(writes)}: a command to change data is not something "
                "to search for"
            )
        sql = [d.text for d in self.dropped if d.reason == "sql"]
        if sql:
            out.append(f"left out {_listed(sql)}: SQL syntax, not words to search for")
        out += [
            f"{d.text!r} is not a filter the catalog has ({d.detail}); its words are "
            "searched for instead"
            for d in self.dropped
            if d.reason == "field"
        ]
        return out


def screen_request(text: str, catalog: Catalog) -> Screened:
    """Find the payload in `text` (a cleaned request) and what remains without it."""
    cuts: list[Cut] = []
    keyword = None
    match = statement_start(text)
    if match:
        keyword = match[1]
        cuts.append(Cut(match.start(1), match.end(1), "keyword"))
    cuts += _sql_cuts(text, [c.end for c in cuts])
    write = _WRITE_REQUEST.match(text)
    if write and not _covered(write.start(1), write.end(1), cuts):
        cuts.append(Cut(write.start(1), write.end(1), "write"))
        cuts += [
            Cut(m.start(), m.end(), "write")
            for m in _DB_NOUN.finditer(text)
            if not _covered(m.start(), m.end(), cuts)
        ]
    for found in _COMPARISON.finditer(text):
        missing = _missing_field(found[1], text, catalog)
        if missing and not _covered(found.start(), found.end(), cuts):
            value = next(v for v in found.groups()[3:] if v is not None)
            words = f"{value} {found[1].replace('_', ' ')}"
            cuts.append(Cut(found.start(), found.end(), "field", words=words, detail=missing))
    return _assemble(text, keyword, sorted(cuts, key=lambda c: c.start))


def _remainder(text: str, cuts: Iterable[Cut]) -> str:
    """`text` with each cut replaced by the words that stand for it."""
    pieces: list[str] = []
    pos = 0
    for cut in cuts:
        pieces += [text[pos : cut.start], f" {cut.words} "]
        pos = cut.end
    pieces.append(text[pos:])
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


def _assemble(text: str, keyword: str | None, cuts: list[Cut]) -> Screened:
    dropped: list[Dropped] = []
    last_end = -1
    for cut in cuts:
        piece = text[cut.start : cut.end].strip()
        gap = text[last_end : cut.start] if last_end >= 0 else "x"
        if cut.kind == "keyword":
            pass
        elif dropped and dropped[-1].reason == cut.kind != "field" and not gap.strip():
            # Fragments that touch (`')` then `; DROP ...`) are one payload to a reader.
            dropped[-1] = Dropped(text=f"{dropped[-1].text}{gap}{piece}", reason=cut.kind)
        else:
            dropped.append(Dropped(text=piece, reason=cut.kind, detail=cut.detail))
        last_end = cut.end
    return Screened(
        text=text,
        remainder=_remainder(text, cuts),
        keyword=keyword,
        dropped=tuple(dropped),
        write_intent=bool(_WRITE_INTENT.search(text)),
        cuts=tuple(cuts),
    )


def _sql_cuts(text: str, after: list[int]) -> list[Cut]:
    """Every SQL fragment, overlapping matches joined into one; none inside the keyword."""
    spans = sorted(
        (m.start(), m.end())
        for pattern in _SQL_PATTERNS
        for m in pattern.finditer(text)
        if m.group().strip()
    )
    merged: list[list[int]] = []
    for start, end in spans:
        start = max(start, *after, 0)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif start < end:
            merged.append([start, end])
    return [Cut(s, e, "sql") for s, e in merged]


def _covered(start: int, end: int, cuts: list[Cut]) -> bool:
    return any(c.start < end and start < c.end for c in cuts)


def _missing_field(field: str, text: str, catalog: Catalog) -> str | None:
    """Why `field` is no filter for the tables the request names (all, if it names none)."""
    named = [t for t in catalog.tables if _names_table(text, t.name, t.aliases)]
    tables = named or list(catalog.tables)
    if any(t.field(field.lower()) for t in tables):
        return None
    where = ", ".join(t.name for t in tables)
    return f"{where} {'has' if len(tables) == 1 else 'have'} no field `{field}`"


def _names_table(text: str, name: str, aliases: tuple[str, ...]) -> bool:
    words = {name, name.removesuffix("s"), *aliases}
    return bool(re.search(rf"\b(?:{'|'.join(map(re.escape, words))})\b", text, _I))


def _listed(items: list[str]) -> str:
    return ", ".join(repr(i) for i in items)
