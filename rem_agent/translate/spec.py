"""What one request lets the decoder write: the `DecodeSpec` built from its text.

The grammar already knows the language, the catalog and the profile. From the
request it learns four more things, so that what the model cannot know it
also cannot get wrong:

* dates: only the boundaries the resolver produced, and a required time filter
  when the request names a time;
* words: quoted text (search text, names, tags) is made of the request's own
  words, with the date phrases taken out, so "kafka last week" cannot become
  `SEARCH "kafka last week"` and a name cannot be misspelt;
* time fields: a table's default time field unless the request names another
  ("uploaded", "edited"; the catalog's `aliases`);
* enum values: only those a word of the request names ("meetings", "mettings"
  and "meet" name 'meeting'), so a kind is not added where none was asked for.

Words and enum values come from the request after `rem_agent.translate.screen` took out its
payload: a command to change data ("drop"), SQL (`'); DROP TABLE x;--`) and SQL
filters on fields the catalog lacks never become quoted text or values.

What is read off the answer after decoding (the retry test, the warnings) is in
`translate.review`.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from pydantic import BaseModel, ConfigDict

from rem_agent.rem.catalog import Catalog, FieldType, TableSpec
from rem_agent.rem.decode_spec import DecodeSpec
from rem_agent.text import tokens
from rem_agent.translate.request import ForModel

MAX_WORDS = 64  # distinct words offered to the grammar; a search bar holds far fewer
_EDGES = ".'`’*_~#@"
_INNER = re.compile(r"[-/_.'’+&]")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
_NAME_JOINER = re.compile(r"\w[-'’]\w")
_NAME_PIECE = re.compile(r"^\w|(?<=[-'’])\w(?=\w)")  # not the s of a possessive
# Words that stand for "whatever": never a topic, a name or a value.
FILLER = frozenset(
    "anything everything something stuff things pls plz please show find get give list me my "
    "all any some".split()
)


def request_words(text: str) -> tuple[str, ...]:
    """The words quoted text may use, in first-seen order: each token of `text` as typed,
    without edge punctuation or a possessive 's, and its pieces around - / _ . ';
    each in its own case, lower case and with a capital first letter. `FILLER` is left out."""
    bases: list[str] = []
    for token in tokens(text):
        core = _POSSESSIVE.sub("", token.strip(_EDGES)).strip(_EDGES)
        pieces = [p.strip(_EDGES) for p in _INNER.split(core)] if _INNER.search(core) else []
        for word in (token, core, *pieces):
            if word and word not in bases and word.lower() not in FILLER:
                bases.append(word)
        if len(bases) >= MAX_WORDS:
            break
    words: dict[str, None] = {}
    for base in bases[:MAX_WORDS]:
        for variant in (base, base.lower(), base.capitalize(), base[:1].upper() + base[1:]):
            words[variant] = None
        if _NAME_JOINER.search(base):  # "al-farsi" names "Al-Farsi", "o'neill" "O'Neill"
            words[_NAME_PIECE.sub(lambda m: m[0].upper(), base.lower())] = None
    return tuple(words)


def named_time_fields(text: str, catalog: Catalog) -> frozenset[tuple[str, str]]:
    """(table, field) for every timestamp field the request names by name or alias."""
    return frozenset(
        (table.name, field)
        for table in catalog.tables
        for _, _, field in table.time_field_mentions(text)
    )


def names_value(word: str, value: str) -> bool:
    """Whether a request word names an enum value or a part of it (`problem_solving`):
    the same first four letters, or close enough to be a typo or an inflection."""
    word = word.lower()
    for part in {value.lower(), *re.split(r"[_\-\s]+", value.lower())}:
        if len(word) >= 4 and len(part) >= 4 and word[:4] == part[:4]:
            return True
        if SequenceMatcher(None, word, part).ratio() >= 0.8:
            return True
    return False


def named_enum_values(text: str, catalog: Catalog) -> frozenset[tuple[str, str, str]]:
    """(table, field, value) for every enum value a word of `text` names."""
    words = {w.lower() for w in tokens(text)}
    return frozenset(
        (table.name, field.name, value)
        for table in catalog.tables
        for field in table.fields_of(FieldType.ENUM)
        for value in field.values
        if any(names_value(w, value) for w in words)
    )


def names_kind(word: str, table: TableSpec) -> bool:
    """Whether `word` names the table ("moments", an alias such as "notes") or one of its
    enum values ("meetings")."""
    lowered = word.lower()
    if lowered in {table.name, table.name.removesuffix("s"), *table.aliases}:
        return True
    return any(names_value(lowered, v) for f in table.fields_of(FieldType.ENUM) for v in f.values)


class Narrowing(BaseModel):
    """Which of the request's own narrowings the grammar applies (all, normally; the
    benches switch them off one at a time to measure what each is worth)."""

    model_config = ConfigDict(frozen=True)

    words: bool = True  # quoted text only from the request's words
    time_fields: bool = True  # only the time fields the request names
    require_time: bool = True  # a named time must reach the query
    quantities: bool = True  # only the sizes and counts the request names


NARROW_ALL = Narrowing()


def decode_spec(
    prepared: ForModel, *, catalog: Catalog, narrowing: Narrowing = NARROW_ALL
) -> DecodeSpec:
    """The grammar specialisation for one request (see the module docstring)."""
    ranges = prepared.intervals
    text = prepared.text
    return DecodeSpec(
        catalog=catalog,
        profile=prepared.options.profile,
        time_ranges=ranges,
        # A named time must reach the query: the resolver found it; the model may not drop it.
        require_time=bool(ranges) and narrowing.require_time,
        words=request_words(text.searchable) if narrowing.words else None,
        named_time_fields=named_time_fields(text.cleaned, catalog)
        if narrowing.time_fields
        else None,
        enum_values=named_enum_values(text.payload_free, catalog),
        sizes=prepared.quantities.values("size") if narrowing.quantities else None,
        counts=prepared.quantities.values("count") if narrowing.quantities else None,
    )
