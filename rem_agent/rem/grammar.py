"""Build the Lark text of REM for parsing or for constrained decoding.

One source, `grammar/rem.lark`, serves both:

* `parse_grammar()` loosens it for people: keywords in any case, any
  whitespace. Catalog and profile checks come after parsing (`validate`),
  where they can explain themselves.
* `decode_grammar(spec)` tightens it for the model: canonical text only, and
  the rules marked SPECIALISED in the source are regenerated from the profile,
  the catalog (only a table's own fields after `FROM t`, only the operators
  and literals each field type takes) and the request's resolved dates (the
  only timestamp literals allowed are the boundaries the resolver produced).
  The result is what llguidance compiles.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from rem_agent.rem.ast import FORBIDDEN_CHARS, MAX_DEPTH, MAX_LIMIT, TIMESTAMP_PATTERN
from rem_agent.rem.catalog import Catalog, FieldSpec, FieldType, TableSpec
from rem_agent.rem.operators import TYPE_RULES
from rem_agent.rem.profile import PROFILE_RULES, Profile
from rem_agent.resources import data_dir
from rem_agent.text import singular

_DEFINITION = re.compile(r"^([?]?[A-Za-z_][A-Za-z0-9_]*)\s*:(.*)$")
_COMMENT = re.compile(r"\s*//.*$")
_EDGE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-"
# A Lark string literal (with its optional flag) or a regex literal, left to right.
_LITERALS = re.compile(r'"(?:[^"\\]|\\.)*"i?|/(?:[^/\\]|\\.)+/[a-z]*')


class TimeRange(BaseModel):
    """Boundaries a decoded query may use, as REM literals without quotes."""

    model_config = ConfigDict(frozen=True)

    start: str | None = None
    end: str | None = None


class DecodeLimits(BaseModel):
    """Caps on what a model may emit, so every decode ends within a bounded length.

    Without them a model that loops (a small or random one) never leaves a string,
    an edge name or an AND chain. The parser has no such caps: they only bound the
    decoder, and canonical text within them is always decodable (tested).
    """

    model_config = ConfigDict(frozen=True)

    text_chars: int = 100  # characters (an escape counts as one) in a quoted string
    tag_chars: int = 40
    edge_chars: int = 40
    list_items: int = 8  # LOOKUP keys, IN values, tags
    edges: int = 4
    order_items: int = 3
    chain_terms: int = 6  # terms of one AND or OR chain
    nesting: int = 3  # parentheses inside WHERE
    nots: int = 1  # NOT x; NOT NOT x is x, and canonical text never repeats it


class DecodeSpec(BaseModel):
    """Everything a decoding grammar depends on; equal specs give equal text."""

    model_config = ConfigDict(frozen=True)

    catalog: Catalog
    limits: DecodeLimits = DecodeLimits()
    profile: Profile = Profile.REM
    # None: any well-formed timestamp with any operator. A tuple: only `f >= start`
    # and `f < end` of these ranges (an empty tuple forbids timestamp literals).
    time_ranges: tuple[TimeRange, ...] | None = None
    # The request named a time: the query must be a SEARCH or SELECT whose WHERE ends
    # with one resolved range on a timestamp field (`... AND f >= 's' AND f < 'e'`).
    # Only where the profile lets SEARCH filter (a p8fs SEARCH cannot carry a time).
    require_time: bool = False
    # None: quoted text may say anything. A tuple: search text, LOOKUP keys, FUZZY text
    # and tags are made of these words only (the request's own), joined by single
    # spaces; tags in lower case. The model picks words; it does not invent them.
    words: tuple[str, ...] | None = None
    # None: any timestamp field anywhere. A set of (table, field): the fields the request
    # names. On a table with none named, only its default time field takes a range or an
    # ORDER BY; IS [NOT] NULL on a timestamp only where the request names the field.
    named_time_fields: frozenset[tuple[str, str]] | None = None
    # None: any value of an enum field. A set of (table, field, value): the values the
    # request names ("meetings" names 'meeting'); other values cannot be written.
    enum_values: frozenset[tuple[str, str, str]] | None = None
    # False: no SEARCH statement (a second decode, after a SEARCH that had no topic).
    search: bool = True


# ---------------------------------------------------------------- the source


@functools.cache
def grammar_source() -> str:
    return (data_dir("grammar") / "rem.lark").read_text(encoding="utf-8")


def _definitions(source: str) -> dict[str, str]:
    """Top-level definitions by name, each body on one line."""
    defs: dict[str, str] = {}
    current: str | None = None
    for raw in source.splitlines():
        line = _COMMENT.sub("", raw)
        if not line.strip():
            continue
        match = _DEFINITION.match(line)
        if match:
            current = match[1]
            defs[current] = match[2].strip()
        elif current is not None and line[:1].isspace():
            defs[current] += " " + line.strip()
        else:
            raise ValueError(f"grammar/rem.lark: cannot read line {raw!r}")
    return defs


def _emit(defs: dict[str, str], extra: Iterable[str] = ()) -> str:
    return "\n".join([*(f"{name}: {body}" for name, body in defs.items()), *extra]) + "\n"


def _reachable(defs: dict[str, str], root: str = "start") -> dict[str, str]:
    """Drop definitions the start rule cannot reach (llguidance wants no strays)."""
    names = set(defs)
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        body = re.sub(r'"(?:[^"\\]|\\.)*"|/(?:[^/\\]|\\.)+/', " ", defs[name])
        todo += [tok for tok in re.findall(r"[?]?[A-Za-z_][A-Za-z0-9_]*", body) if tok in names]
    return {name: body for name, body in defs.items() if name in seen}


# ---------------------------------------------------------------- parse mode


def _case_insensitive(match: re.Match[str]) -> str:
    text = match[0]
    is_keyword = text.startswith('"') and not text.endswith("i") and re.search("[A-Za-z]", text)
    return text + "i" if is_keyword else text


@functools.cache
def parse_grammar() -> str:
    """The grammar `rem_agent.rem.parse` runs: loose whitespace, any keyword case."""
    defs = _definitions(grammar_source())
    defs.pop("_S")
    out = {}
    for name, body in defs.items():
        body = re.sub(r"(?<![A-Za-z0-9_])_S(?![A-Za-z0-9_])", "", body)
        body = _LITERALS.sub(_case_insensitive, body)
        if name in ("NAME", "EDGE"):
            body = re.sub(r"/$", "/i", body.strip())
        out[name] = re.sub(r"\s+", " ", body).strip()
    return _emit(out, ["%ignore /[ \\t\\r\\n]+/"])


# ---------------------------------------------------------------- decode mode


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _alts(items: Iterable[str]) -> str:
    return " | ".join(items)


def _char_class(chars: Iterable[str]) -> str:
    chars = sorted(set(chars), key=lambda c: (c == "-", c))
    return "[" + "".join(re.escape(c) if c in "]\\^" else c for c in chars) + "]"


def edge_regex_excluding_word(word: str) -> str:
    """Edge names other than exactly `word` (a keyword the parser would see)."""
    alts = []
    for i, ch in enumerate(word):
        rest = _char_class(set(_EDGE_CHARS) - {ch})
        alts.append(f"{word[:i]}{rest}{_char_class(_EDGE_CHARS)}*")
        if i:
            alts.append(word[:i])
    alts.append(f"{word}{_char_class(_EDGE_CHARS)}+")
    return "(?:" + "|".join(alts) + ")"


def edge_regex_without_substring(word: str) -> str:
    """Edge names not containing `word`, as a regex without lookaround.

    Built from the word's matching automaton; needs a word whose first letter
    does not occur again in it (true of `with`).
    """
    if len(word) < 2 or word[0] in word[1:]:
        raise ValueError(f"cannot build an exclusion regex for {word!r}")
    first, chars = word[0], set(_EDGE_CHARS)
    # After reading `first`: loops back to that state, exits to the start state, or stops.
    loops = "|".join(re.escape(word[1:k] + first) for k in range(1, len(word)))
    exits = "|".join(
        re.escape(word[1:k]) + _char_class(chars - {word[k], first}) for k in range(1, len(word))
    )
    tails = "|".join(re.escape(word[1:k]) for k in range(2, len(word)))
    from_first = f"{first}(?:{loops})*"
    step = f"(?:{_char_class(chars - {first})}|{from_first}(?:{exits}))"
    end = f"{from_first}(?:{tails})?"
    return f"(?:{step}+(?:{end})?|{end})"


def _string_regexes(forbidden_extra: str = "") -> tuple[str, str]:
    """(any char, non-space char) of a double-quoted REM string, as regex pieces."""
    bad = FORBIDDEN_CHARS + re.escape(forbidden_extra)
    return rf'(?:[^"\\{bad}]|\\["\\])', rf'(?:[^"\\ {bad}]|\\["\\])'


def _dq_regex(max_chars: int, forbidden_extra: str = "") -> str:
    any_char, solid = _string_regexes(forbidden_extra)
    # Trimmed and non-empty, as the AST requires.
    return f'/"{solid}(?:{any_char}{{0,{max_chars - 2}}}{solid})?"/'


def _repeat(item: str, sep: str, most: int) -> str:
    """`item (sep item)*` with at most `most` items, as nested optionals."""
    tail = ""
    for _ in range(most - 1):
        tail = f"({sep} {item}{(' ' + tail) if tail else ''})?"
    return f"{item} {tail}".strip()


class _DecodeBuilder:
    def __init__(self, spec: DecodeSpec) -> None:
        self.spec = spec
        self.rules = PROFILE_RULES[spec.profile]
        self.defs = _definitions(grammar_source())

    @property
    def time_required(self) -> bool:
        spec = self.spec
        return bool(spec.require_time and spec.time_ranges and self.rules.search_where)

    def tables(self) -> list[TableSpec]:
        tables = list(self.spec.catalog.tables)
        if self.time_required:
            tables = [t for t in tables if t.fields_of(FieldType.TIMESTAMP)]
        return tables

    def build(self) -> str:
        spec, rules, d = self.spec, self.rules, self.defs
        catalog = spec.catalog
        limits = spec.limits
        key = self._text_terminal(rules.lookup_key_forbidden)
        text = self._text_terminal()
        seeds = [name for name, ok in (("lookup", key), ("seed_search", text)) if ok]
        available = {
            "lookup": bool(key),
            "search": bool(text) and spec.search,
            "fuzzy": bool(text) and rules.fuzzy,
            "traverse": bool(seeds),
            "select": True,
        }
        if self.time_required:
            available.update(lookup=False, fuzzy=False, traverse=False)
        d["statement"] = _alts(name for name, ok in available.items() if ok)
        d["seed"] = _alts(seeds) if seeds else d["seed"]
        d["keys"] = _repeat("KEY", '"," _S', limits.list_items)
        for name, terminal in (("KEY", key), ("DQSTRING", text)):
            if terminal:
                d[name] = terminal
        d["TABLE"] = _alts(_lit(t) for t in catalog.table_names)

        if rules.search_where or rules.search_limit:
            d["search"] = '"SEARCH" _S DQSTRING _S "IN" _S search_body'
            d["search_body"] = _alts(self._table_body(t, order=False) for t in self.tables())
        else:
            d["search"] = '"SEARCH" _S DQSTRING _S "IN" _S TABLE'
            d.pop("search_body")
        d["fuzzy"] = '"FUZZY" _S DQSTRING (_S "IN" _S TABLE)? (_S threshold)? (_S limit)?'
        others = [t for t in catalog.table_names if t != catalog.default_table]
        d["seed_search"] = '"SEARCH" _S DQSTRING' + (
            f' (_S "IN" _S ({_alts(_lit(t) for t in others)}))?' if others else ""
        )
        d["select_body"] = _alts(self._table_body(t, order=True) for t in self.tables())
        d["threshold"] = '"THRESHOLD" _S PROB'
        d["PROB"] = r"/0(\.[0-9]{1,15})?|1(\.0{1,15})?/"
        d["limit"] = '"LIMIT" _S COUNT'
        d["COUNT"] = _count_regex(1, MAX_LIMIT)
        d["depth"] = '"DEPTH" _S DEPTH_N'
        d["DEPTH_N"] = _count_regex(0, MAX_DEPTH)
        banned = rules.edge_forbidden_substring
        shape = (
            edge_regex_without_substring(banned) if banned else edge_regex_excluding_word("with")
        )
        # `&` (llguidance's regex intersection) caps the length; the decode grammar only
        # ever goes to llguidance.
        d["EDGE"] = f"/{shape}/ & /[a-z0-9_-]{{1,{limits.edge_chars}}}/" + "".join(
            f" & ~/{re.escape(name)}/" for name in rules.edge_forbidden_names
        )
        d["edges"] = _repeat("EDGE", '","', limits.edges)
        for generic in (
            "where",
            "or_cond",
            "and_cond",
            "not_cond",
            "predicate",
            "literal",
            "order",
            "order_item",
        ):
            d.pop(generic)
        d.update(self._literal_terminals())
        return _emit(_reachable(d))

    def _text_terminal(self, forbidden_extra: str = "") -> str | None:
        """A double-quoted string: any text, or the request's words (None: no word fits)."""
        limits = self.spec.limits
        if self.spec.words is None:
            return _dq_regex(limits.text_chars, forbidden_extra)
        word = _words_regex(w for w in self.spec.words if not set(w) & set(forbidden_extra))
        return _word_run(word, '"', limits.text_chars) if word else None

    # -- time fields --------------------------------------------------------

    def _range_fields(self, table: TableSpec) -> set[str]:
        """Timestamp fields of `table` that may take a date range or an ORDER BY."""
        fields = {f.name for f in table.fields_of(FieldType.TIMESTAMP)}
        named = self.spec.named_time_fields
        if named is None:
            return fields
        return {f for t, f in named if t == table.name and f in fields} or {
            table.default_time_field
        }

    def _null_check_ok(self, table: TableSpec, field: str) -> bool:
        named = self.spec.named_time_fields
        return named is None or (table.name, field) in named

    # -- per table --------------------------------------------------------

    def _table_body(self, table: TableSpec, *, order: bool) -> str:
        rules, t = self.rules, table.name
        parts = [_lit(t)]
        where_ok = order or rules.search_where
        if where_ok and self._condition_rules(table):
            parts.append(f"_S where__{t}" if self.time_required else f"(_S where__{t})?")
        if order and self._order_rules(table):
            parts.append(f"(_S order__{t})?")
        if order or rules.search_limit:
            parts.append("(_S limit)?")
        return "(" + " ".join(parts) + ")"

    def _order_rules(self, table: TableSpec) -> bool:
        name = f"order__{table.name}"
        if name in self.defs:
            return True
        times = self._range_fields(table)
        fields = [
            f.name
            for f in table.fields
            if TYPE_RULES[f.type].orderable
            and (f.type is not FieldType.TIMESTAMP or f.name in times)
            and not any(p.kind == "cut" for p in self.rules.where_problems(f.name))
        ]
        if not fields:
            return False
        item = f"item__{table.name}"
        self.defs[name] = '"ORDER" _S "BY" _S ' + _repeat(
            item, '"," _S', self.spec.limits.order_items
        )
        self.defs[f"item__{table.name}"] = f"({_alts(map(_lit, fields))}) (_S DIRECTION)?"
        return True

    def _condition_rules(self, table: TableSpec) -> bool:
        t = table.name
        if f"where__{t}" in self.defs:
            return True
        preds = [
            p
            for f in table.fields
            if not self.rules.where_problems(f.name)
            for p in self._field_predicates(table, f)
        ]
        if not preds:
            return False
        limits = self.spec.limits
        self.defs[f"where__{t}"] = f'"WHERE" _S or1__{t}'
        if self.time_required:
            # Other conditions first (AND-joined, so the time applies to all), time last.
            self.defs[f"where__{t}"] = f'"WHERE" _S (and1__{t} _S "AND" _S)? time__{t}'
            self.defs[f"time__{t}"] = _alts(self._time_conditions(table))
        nots = _repeat('"NOT"', "_S", limits.nots)
        for level in range(1, limits.nesting + 2):
            self.defs[f"or{level}__{t}"] = _repeat(
                f"and{level}__{t}", '_S "OR" _S', limits.chain_terms
            )
            self.defs[f"and{level}__{t}"] = _repeat(
                f"not{level}__{t}", '_S "AND" _S', limits.chain_terms
            )
            atom = f"pred__{t}"
            if level <= limits.nesting:
                atom = f'({atom} | "(" or{level + 1}__{t} ")")'
            self.defs[f"not{level}__{t}"] = f"({nots} _S)? {atom}"
        self.defs[f"pred__{t}"] = _alts(preds)
        return True

    def _field_predicates(self, table: TableSpec, field: FieldSpec) -> list[str]:
        rule = TYPE_RULES[field.type]
        name = _lit(field.name)
        out = [f'{name} _S "IS" _S "NULL"', f'{name} _S "IS" _S "NOT" _S "NULL"']
        if field.type is FieldType.TIMESTAMP:
            # A required time has its own place at the end of WHERE; not a second one.
            ranging = field.name in self._range_fields(table) and not self.time_required
            ranges = self._timestamp_predicates(name) if ranging else []
            return ranges + (out if self._null_check_ok(table, field.name) else [])
        literal = {
            "string": "SQSTRING" if field.any_value else self._words_terminal("SQWORDS"),
            "int": "INT",
            "number": "NUM",
            "bool": '("TRUE" | "FALSE")',
            "enum": None,
            None: None,
        }[rule.literal]
        if rule.literal == "enum":
            named = self.spec.enum_values
            values = [
                v
                for v in field.values
                if (named is None or (table.name, field.name, v) in named)
                and not self.rules.where_problems(_quote(v))
            ]
            if not values:  # nothing named: a null check here would only be a detour
                return []
            literal = "(" + _alts(_lit(_quote(v)) for v in values) + ")"
        if literal is not None:
            if rule.compare_ops:
                ops = _alts(_lit(op) for op in rule.compare_ops)
                out.append(f"{name} _S ({ops}) _S {literal}")
            if rule.between:
                out.append(f'{name} _S "BETWEEN" _S {literal} _S "AND" _S {literal}')
            if rule.in_list:
                items = _repeat(literal, '"," _S', self.spec.limits.list_items)
                out.append(f'{name} _S "IN" _S "(" {items} ")"')
        if rule.ilike and self.rules.ilike:
            pattern = "SQSTRING" if field.any_value else self._words_terminal("SQLIKE")
            if pattern:
                out.append(f'{name} _S "ILIKE" _S {pattern}')
        if rule.contains and self._tag_terminal:
            tags = _repeat("JTAG", '"," _S', self.spec.limits.list_items)
            out.append(f'{name} _S "@>" _S "\'[" {tags} "]\'::jsonb"')
        return out

    def _time_conditions(self, table: TableSpec) -> list[str]:
        out = []
        times = self._range_fields(table)
        for field in table.fields_of(FieldType.TIMESTAMP):
            if field.name not in times:
                continue
            name = _lit(field.name)
            for rng in self.spec.time_ranges or ():
                parts = []
                if rng.start:
                    parts.append(f'{name} _S ">=" _S {_lit(_quote(rng.start))}')
                if rng.end:
                    parts.append(f'{name} _S "<" _S {_lit(_quote(rng.end))}')
                out.append("(" + ' _S "AND" _S '.join(parts) + ")")
        return list(dict.fromkeys(out))

    def _timestamp_predicates(self, name: str) -> list[str]:
        ranges = self.spec.time_ranges
        if ranges is None:
            rule = TYPE_RULES[FieldType.TIMESTAMP]
            ops = _alts(_lit(op) for op in rule.compare_ops)
            return [
                f"{name} _S ({ops}) _S TIMESTAMP",
                f'{name} _S "BETWEEN" _S TIMESTAMP _S "AND" _S TIMESTAMP',
            ]
        starts = sorted({r.start for r in ranges if r.start})
        ends = sorted({r.end for r in ranges if r.end})
        out = []
        if starts:
            out.append(f'{name} _S ">=" _S ({_alts(_lit(_quote(s)) for s in starts)})')
        if ends:
            out.append(f'{name} _S "<" _S ({_alts(_lit(_quote(e)) for e in ends)})')
        return out

    @functools.cached_property
    def _tag_terminal(self) -> str | None:
        """A JSON string in a `@>` tag list: any tag, or the request's words in lower case."""
        bad, limits = FORBIDDEN_CHARS, self.spec.limits
        if self.spec.words is None:
            free = rf'/"(?:[^"\\\'{bad}]|\'\'|\\["\\]){{1,{limits.tag_chars}}}"/'
            return self._in_where(free)
        word = _words_regex(w.lower() for w in self.spec.words if "'" not in w)
        return self._in_where(_word_run(word, '"', limits.tag_chars)) if word else None

    @functools.cached_property
    def _free_value(self) -> str:
        """Any single-quoted text value."""
        chars = self.spec.limits.text_chars
        return self._in_where(rf"/'(?:[^'{FORBIDDEN_CHARS}]|''){{0,{chars}}}'/")

    def _in_where(self, terminal: str) -> str:
        """A literal terminal without what the profile refuses in a WHERE (p8fs: the
        words it reads as writes, the letters it cuts the WHERE at); `~` and `&` are
        llguidance's complement and intersection."""
        pattern = self.rules.where_pattern()
        return f"{terminal} & ~/.*{pattern}.*/" if pattern else terminal

    def _literal_terminals(self) -> dict[str, str]:
        out = {
            "SQSTRING": self._free_value,
            "INT": "/-?[0-9]{1,15}/",
            "NUM": r"/-?[0-9]{1,15}(\.[0-9]{1,15})?/",
            "TIMESTAMP": f"/'{TIMESTAMP_PATTERN}'/",
        }
        if self._tag_terminal:
            out["JTAG"] = self._tag_terminal
        out.update(self._value_terminals)
        return out

    def _words_terminal(self, name: str) -> str | None:
        return name if name in self._value_terminals else None

    @functools.cached_property
    def _value_terminals(self) -> dict[str, str]:
        """Single-quoted text values: any text, or the request's words (and their singulars,
        'recipe' for "recipes"); for ILIKE with an optional % at either end."""
        if self.spec.words is None:
            return {"SQWORDS": self._free_value, "SQLIKE": self._free_value}
        variants = {v for w in self.spec.words for v in (w, w.lower(), singular(w.lower()))}
        word = _words_regex(v.replace("'", "''") for v in variants)
        if word is None:
            return {}
        chars = self.spec.limits.text_chars
        return {
            "SQWORDS": self._in_where(_word_run(word, "'", chars)),
            "SQLIKE": self._in_where(_word_run(word, "'", chars, edge="%")),
        }


_REGEX_META = re.compile(r"([\\.+*?()|\[\]{}^$#&\-~/])")
_NOT_A_WORD = re.compile(f'[\\s"\\\\{FORBIDDEN_CHARS}]')


def _words_regex(words: Iterable[str]) -> str | None:
    """`(?:w1|w2|...)` matching exactly one of `words`, longest first; None if none is usable."""
    usable = sorted(
        {w for w in words if w and not _NOT_A_WORD.search(w)}, key=lambda w: (-len(w), w)
    )
    if not usable:
        return None
    return "(?:" + "|".join(_REGEX_META.sub(r"\\\1", w) for w in usable) + ")"


def _word_run(word: str, quote: str, chars: int, *, edge: str = "") -> str:
    """A quoted run of `word` (a regex) joined by single spaces, at most `chars` characters
    between the quotes; `edge`: a character allowed at either end (ILIKE's %)."""
    inside = '[^"]' if quote == '"' else "(?:[^']|'')"  # a single quote inside is doubled
    end = f"{edge}?" if edge else ""
    run = f"/{quote}{end}{word}(?: {word})*{end}{quote}/"
    return f"{run} & /{quote}{inside}{{1,{chars}}}{quote}/"


def _quote(literal: str) -> str:
    return "'" + literal.replace("'", "''") + "'"


def _count_regex(low: int, high: int) -> str:
    """Whole numbers low..high without leading zeros (low is 0 or 1; high a power of ten)."""
    digits = len(str(high)) - 1
    assert high == 10**digits and low in (0, 1)
    small = "[1-9]" + (f"[0-9]{{0,{digits - 1}}}" if digits > 1 else "")
    return f"/{'0|' if low == 0 else ''}{small}|{high}/"


@functools.lru_cache(maxsize=256)
def decode_grammar(spec: DecodeSpec) -> str:
    """The llguidance grammar for one profile, catalog and set of allowed dates."""
    return _DecodeBuilder(spec).build()
