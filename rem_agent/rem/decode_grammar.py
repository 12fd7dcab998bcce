"""The decode grammar of one request: `grammar/rem.decode.lark` with its holes filled.

The grammar file holds REM's canonical syntax as llguidance reads it; this module only
computes what goes in its `${holes}` from a `DecodeSpec`: which statements, tables and
fields this request may use, the terminals its words allow, its resolved dates, and the
caps of `DecodeLimits`. The result is what llguidance compiles.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Mapping

from rem_agent.rem.ast import FORBIDDEN_CHARS, MAX_DEPTH, MAX_LIMIT, TIMESTAMP_PATTERN
from rem_agent.rem.catalog import FieldSpec, FieldType, TableSpec
from rem_agent.rem.decode_spec import DecodeSpec
from rem_agent.rem.operators import TYPE_RULES
from rem_agent.rem.profile import PROFILE_RULES
from rem_agent.rem.render import quote_single
from rem_agent.resources import data_dir
from rem_agent.text import singular

_SECTION = "//%%"
_RULE = re.compile(r"^([A-Za-z_$][A-Za-z0-9_${}]*)\s*:\s*(.*)$")
_COMMENT = re.compile(r"\s+//\s.*$")  # a comment after a rule: space, //, space
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@functools.lru_cache(maxsize=256)
def decode_grammar(spec: DecodeSpec) -> str:
    """The llguidance grammar for one profile, catalog, set of allowed dates and words."""
    return _Holes(spec).grammar()


# ---------------------------------------------------------------- the file


Section = list[tuple[str, string.Template]]


@functools.cache
def _sections() -> dict[str, Section]:
    """rem.decode.lark's sections: each a list of (rule name, body) templates."""
    sections: dict[str, Section] = {}
    current: Section | None = None
    for raw in (data_dir("grammar") / "rem.decode.lark").read_text("utf-8").splitlines():
        if raw.startswith(_SECTION):
            current = sections.setdefault(raw[len(_SECTION) :].strip(), [])
            continue
        line = _COMMENT.sub("", raw).rstrip()
        if not line or line.lstrip().startswith("//"):
            continue
        match = _RULE.match(line)
        if current is None or not match:
            raise ValueError(f"grammar/rem.decode.lark: cannot read line {raw!r}")
        current.append((match[1], string.Template(match[2])))
    return sections


def _fill(section: str, holes: Mapping[str, str | None]) -> dict[str, str]:
    """The section's rules with `holes` filled; a rule with an empty (None) hole is left
    out: nothing of it can be written. A hole not in `holes` is an error (KeyError)."""
    out = {}
    for name, body in _sections()[section]:
        if any(holes[hole] is None for hole in body.get_identifiers()):
            continue
        out[string.Template(name).substitute(holes)] = body.substitute(holes)
    return out


def _reachable(rules: dict[str, str], root: str = "start") -> dict[str, str]:
    """Only the rules `root` reaches (llguidance wants no strays), in the order given."""
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen or name not in rules:
            continue
        seen.add(name)
        body = re.sub(r'"(?:[^"\\]|\\.)*"|/(?:[^/\\]|\\.)+/', " ", rules[name])
        todo += _NAME.findall(body)
    return {name: body for name, body in rules.items() if name in seen}


# ---------------------------------------------------------------- the holes


class _Holes:
    """What goes in each hole, for one spec."""

    def __init__(self, spec: DecodeSpec) -> None:
        self.spec = spec
        self.rules = PROFILE_RULES[spec.profile]
        self.limits = spec.limits
        self.time_required = bool(
            spec.require_time and spec.time_ranges and self.rules.search_where
        )
        self._conditions: dict[str, list[str]] = {}  # by table: this builder's own memo

    def grammar(self) -> str:
        rules = self._statements()
        for table in self._tables():
            rules.update(self._table(table))
        return "".join(f"{name}: {body}\n" for name, body in _reachable(rules).items())

    def _tables(self) -> list[TableSpec]:
        tables = list(self.spec.catalog.tables)
        if self.time_required:
            return [t for t in tables if t.fields_of(FieldType.TIMESTAMP)]
        return tables

    # -- statements ---------------------------------------------------------------

    def _statements(self) -> dict[str, str]:
        spec, rules, limits = self.spec, self.rules, self.limits
        key = self._text_terminal(rules.lookup_key_forbidden)
        text = self._text_terminal()
        seeds = [name for name, ok in (("lookup", key), ("seed_search", text)) if ok]
        available = {
            "lookup": bool(key) and not self.time_required,
            "search": bool(text) and spec.search,
            "fuzzy": bool(text) and rules.fuzzy and not self.time_required,
            "traverse": bool(seeds) and not self.time_required,
            "select": True,
        }
        catalog = spec.catalog
        others = [t for t in catalog.table_names if t != catalog.default_table]
        banned = rules.edge_forbidden_substring
        return _fill(
            "statements",
            {
                "statements": _alts(name for name, ok in available.items() if ok),
                "seeds": _alts(seeds) or None,
                "seed_tables": f'(_S "IN" _S ({_alts(map(_lit, others))}))?' if others else "",
                "search_bodies": _alts(self._body(t, order=False) for t in self._tables()),
                "select_bodies": _alts(self._body(t, order=True) for t in self._tables()),
                "tables": _alts(map(_lit, catalog.table_names)),
                "key": key,
                "text": text,
                "more_items": str(limits.list_items - 1),
                "more_edges": str(limits.edges - 1),
                "edge_chars": str(limits.edge_chars),
                # REM: any edge but the word the parser reads as WITH; p8fs: none holding it.
                "edge_banned": f".*{re.escape(banned)}.*" if banned else "with",
                "edge_names": "".join(
                    f" & ~/{re.escape(name)}/" for name in rules.edge_forbidden_names
                ),
                # a LIMIT: the counts the request names, else any
                "count": _numbers(self.spec.counts) or _count_regex(1, MAX_LIMIT),
                "depth_count": _count_regex(0, MAX_DEPTH),
                "timestamp": TIMESTAMP_PATTERN,
                "any_value": self._free_value,
                "word_value": self._value_terminals.get("SQWORDS"),
                "like_value": self._value_terminals.get("SQLIKE"),
                "tag": self._tag_terminal,
            },
        )

    def _body(self, table: TableSpec, *, order: bool) -> str:
        """A table and what may follow it in a SEARCH (order=False) or a SELECT."""
        rules, t = self.rules, table.name
        parts = [_lit(t)]
        if (order or rules.search_where) and self._predicates(table):
            parts.append(f"_S where__{t}" if self.time_required else f"(_S where__{t})?")
        if order and self._order_fields(table):
            parts.append(f"(_S order__{t})?")
        if order or rules.search_limit:
            parts.append("(_S limit)?")
        return "(" + " ".join(parts) + ")"

    # -- per table ----------------------------------------------------------------

    def _table(self, table: TableSpec) -> dict[str, str]:
        t, limits = table.name, self.limits
        predicates = self._predicates(table)
        # A required time comes last, after conditions AND-joined so that it covers them all.
        timed = f'(and1__{t} _S "AND" _S)? time__{t}'
        where = timed if self.time_required else f"or1__{t}"
        fields = self._order_fields(table)
        out = _fill(
            "table",
            {
                "t": t,
                "where": where if predicates else None,
                "time": _alts(self._time_conditions(table)) if self.time_required else None,
                "predicates": _alts(predicates) or None,
                "order_fields": _alts(map(_lit, fields)) or None,
                "more_order": str(limits.order_items - 1),
            },
        )
        if not predicates:
            return out
        for n in range(1, limits.nesting + 2):
            pred = f"pred__{t}"
            atom = f'({pred} | "(" or{n + 1}__{t} ")")' if n <= limits.nesting else pred
            holes = {"t": t, "n": str(n), "atom": atom, "nots": str(limits.nots)}
            out.update(_fill("level", holes | {"more_terms": str(limits.chain_terms - 1)}))
        return out

    def _order_fields(self, table: TableSpec) -> list[str]:
        times = self._range_fields(table)
        return [
            f.name
            for f in table.fields
            if TYPE_RULES[f.type].orderable
            and (f.type is not FieldType.TIMESTAMP or f.name in times)
            and not any(p.kind == "cut" for p in self.rules.where_problems(f.name))
        ]

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

    # -- conditions -----------------------------------------------------------------

    def _predicates(self, table: TableSpec) -> list[str]:
        """Every condition a WHERE on `table` may hold (empty: the table takes no WHERE)."""
        if table.name not in self._conditions:
            self._conditions[table.name] = [
                p
                for f in table.fields
                if not self.rules.where_problems(f.name)
                for p in self._field_predicates(table, f)
            ]
        return self._conditions[table.name]

    def _field_predicates(self, table: TableSpec, field: FieldSpec) -> list[str]:
        rule = TYPE_RULES[field.type]
        f = _lit(field.name)
        nulls = [_shape("is_null", f), _shape("is_not_null", f)]
        if field.type is FieldType.TIMESTAMP:
            # A required time has its own place at the end of WHERE; not a second one.
            ranging = field.name in self._range_fields(table) and not self.time_required
            ranges = self._timestamp_predicates(f) if ranging else []
            return ranges + (nulls if self._null_check_ok(table, field.name) else [])
        if rule.literal == "enum":
            literal = self._enum_literal(table, field)
            if literal is None:
                return []  # no value named: a null check here would only be a detour
        else:
            sizes = _numbers(self.spec.sizes) if field.unit == "bytes" else None
            literal = {
                "string": "SQSTRING" if field.any_value else self._words_terminal("SQWORDS"),
                "int": f"({sizes})" if sizes else "INT",
                "number": "NUM",
                "bool": '("TRUE" | "FALSE")',
                None: None,
            }[rule.literal]
        out = nulls
        if literal is not None:
            if rule.compare_ops:
                out.append(_shape("compare", f, literal, ops=_alts(map(_lit, rule.compare_ops))))
            if rule.between:
                out.append(_shape("between", f, literal))
            if rule.in_list:
                out.append(_shape("in_list", f, literal, more=self.limits.list_items - 1))
        if rule.ilike and self.rules.ilike:
            pattern = "SQSTRING" if field.any_value else self._words_terminal("SQLIKE")
            if pattern:
                out.append(_shape("ilike", f, pattern))
        if rule.contains and self._tag_terminal:
            out.append(_shape("contains", f, "JTAG", more=self.limits.list_items - 1))
        return out

    def _enum_literal(self, table: TableSpec, field: FieldSpec) -> str | None:
        named = self.spec.enum_values
        values = [
            v
            for v in field.values
            if (named is None or (table.name, field.name, v) in named)
            and not self.rules.where_problems(quote_single(v))
        ]
        return "(" + _alts(_lit(quote_single(v)) for v in values) + ")" if values else None

    def _time_conditions(self, table: TableSpec) -> list[str]:
        out = []
        times = self._range_fields(table)
        for field in table.fields_of(FieldType.TIMESTAMP):
            if field.name not in times:
                continue
            f = _lit(field.name)
            for rng in self.spec.time_ranges or ():
                parts = []
                if rng.start:
                    parts.append(_shape("compare", f, _lit(quote_single(rng.start)), ops='">="'))
                if rng.end:
                    parts.append(_shape("compare", f, _lit(quote_single(rng.end)), ops='"<"'))
                out.append("(" + ' _S "AND" _S '.join(parts) + ")")
        return list(dict.fromkeys(out))

    def _timestamp_predicates(self, f: str) -> list[str]:
        ranges = self.spec.time_ranges
        if ranges is None:
            ops = _alts(map(_lit, TYPE_RULES[FieldType.TIMESTAMP].compare_ops))
            return [_shape("compare", f, "TIMESTAMP", ops=ops), _shape("between", f, "TIMESTAMP")]
        starts = sorted({r.start for r in ranges if r.start})
        ends = sorted({r.end for r in ranges if r.end})
        out = []
        if starts:
            out.append(
                _shape(
                    "compare", f, f"({_alts(_lit(quote_single(s)) for s in starts)})", ops='">="'
                )
            )
        if ends:
            out.append(
                _shape("compare", f, f"({_alts(_lit(quote_single(e)) for e in ends)})", ops='"<"')
            )
        return out

    # -- literal terminals ------------------------------------------------------------

    def _text_terminal(self, forbidden_extra: str = "") -> str | None:
        """A double-quoted string: any text, or the request's words (None: no word fits)."""
        chars = self.limits.text_chars
        if self.spec.words is None:
            any_char, solid = _string_regexes(forbidden_extra)
            # Trimmed and non-empty, as the syntax tree requires.
            return f'/"{solid}(?:{any_char}{{0,{chars - 2}}}{solid})?"/'
        word = _words_regex(w for w in self.spec.words if not set(w) & set(forbidden_extra))
        return _word_run(word, '"', chars) if word else None

    @functools.cached_property
    def _tag_terminal(self) -> str | None:
        """A JSON string in a `@>` tag list: any tag, or the request's words in lower case."""
        bad, chars = FORBIDDEN_CHARS, self.limits.tag_chars
        if self.spec.words is None:
            return self._in_where(rf'/"(?:[^"\\\'{bad}]|\'\'|\\["\\]){{1,{chars}}}"/')
        word = _words_regex(w.lower() for w in self.spec.words if "'" not in w)
        return self._in_where(_word_run(word, '"', chars)) if word else None

    @functools.cached_property
    def _free_value(self) -> str:
        """Any single-quoted text value."""
        chars = self.limits.text_chars
        return self._in_where(rf"/'(?:[^'{FORBIDDEN_CHARS}]|''){{0,{chars}}}'/")

    def _in_where(self, terminal: str) -> str:
        """A literal terminal without what the profile refuses in a WHERE (p8fs: the
        words it reads as writes, the letters it cuts the WHERE at)."""
        pattern = self.rules.where_pattern()
        return f"{terminal} & ~/.*{pattern}.*/" if pattern else terminal

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
        chars = self.limits.text_chars
        return {
            "SQWORDS": self._in_where(_word_run(word, "'", chars)),
            "SQLIKE": self._in_where(_word_run(word, "'", chars, edge="%")),
        }


def _shape(name: str, field: str, value: str = "", *, ops: str = "", more: int = 0) -> str:
    """A condition of the predicates section, for `field` and its literal `value`."""
    [body] = [b for n, b in _sections()["predicates"] if n == name]
    return body.substitute(f=field, v=value, ops=ops, more_items=str(more))


# ---------------------------------------------------------------- regex pieces


_REGEX_META = re.compile(r"([\\.+*?()|\[\]{}^$#&\-~/])")
_NOT_A_WORD = re.compile(f'[\\s"\\\\{FORBIDDEN_CHARS}]')


def _lit(text: str) -> str:
    """A Lark string literal (Lark's escapes happen to be REM's double-quoted ones)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _alts(items: Iterable[str]) -> str:
    return " | ".join(items)


def _string_regexes(forbidden_extra: str = "") -> tuple[str, str]:
    """(any char, non-space char) of a double-quoted REM string, as regex pieces."""
    bad = FORBIDDEN_CHARS + re.escape(forbidden_extra)
    return rf'(?:[^"\\{bad}]|\\["\\])', rf'(?:[^"\\ {bad}]|\\["\\])'


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


def _numbers(values: tuple[int, ...] | None) -> str | None:
    """Exactly these whole numbers, as alternatives (None: no narrowing)."""
    return _alts(_lit(str(v)) for v in values) if values else None


def _count_regex(low: int, high: int) -> str:
    """Whole numbers low..high without leading zeros (low is 0 or 1; high a power of ten)."""
    digits = len(str(high)) - 1
    assert high == 10**digits and low in (0, 1)
    small = "[1-9]" + (f"[0-9]{{0,{digits - 1}}}" if digits > 1 else "")
    return f"/{'0|' if low == 0 else ''}{small}|{high}/"
