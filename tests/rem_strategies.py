"""Hypothesis strategies for random REM trees that are valid against a catalog."""

from __future__ import annotations

from hypothesis import strategies as st

from rem_agent.rem import ast
from rem_agent.rem.catalog import Catalog, FieldSpec, FieldType, TableSpec
from rem_agent.rem.decode_spec import DecodeLimits
from rem_agent.rem.operators import TYPE_RULES
from rem_agent.rem.profile import PROFILE_RULES, Profile
from rem_agent.rem.render import render_condition

# Printable text, including quotes, backslashes, SQL and REM punctuation, and non-ASCII.
_ALPHABET = st.characters(
    blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"),
    blacklist_characters="\x85\xa0",
)
_SPECIALS = st.sampled_from(["'", '"', "\\", ";", "--", "/*", ",", ":", "''", "é", "日本", " "])
raw_text = st.lists(st.one_of(_ALPHABET, _SPECIALS), min_size=1, max_size=12).map("".join)
solid_text = raw_text.map(str.strip).filter(bool)

numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False).map(
        lambda x: round(x, 6)
    ),
)
timestamps = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.replace(microsecond=0).isoformat()),
    st.datetimes().map(lambda d: d.replace(microsecond=0).isoformat() + "+01:00"),
    st.datetimes().map(lambda d: d.replace(microsecond=0).isoformat() + "Z"),
)
edge_names = st.from_regex(r"\A[a-z0-9_-]{1,12}\Z").filter(lambda e: e != "with")


def _literal(spec: FieldSpec) -> st.SearchStrategy[ast.Value]:
    kind = TYPE_RULES[spec.type].literal
    if kind == "string":
        return raw_text.map(lambda s: ast.StringLit(value=s))
    if kind == "enum":
        return st.sampled_from(spec.values).map(lambda s: ast.StringLit(value=s))
    if kind == "int":
        return st.integers(-(10**9), 10**9).map(lambda n: ast.NumberLit(value=n))
    if kind == "number":
        return numbers.map(lambda n: ast.NumberLit(value=n))
    if kind == "bool":
        return st.booleans().map(lambda b: ast.BoolLit(value=b))
    assert kind == "timestamp"
    return timestamps.map(lambda s: ast.StringLit(value=s))


@st.composite
def predicates(draw: st.DrawFn, table: TableSpec, profile: Profile) -> ast.Predicate:
    spec = draw(st.sampled_from(table.fields))
    rule = TYPE_RULES[spec.type]
    options = ["is_null"]
    if rule.compare_ops:
        options.append("compare")
    if rule.between:
        options.append("between")
    if rule.in_list:
        options.append("in")
    if rule.ilike and PROFILE_RULES[profile].ilike:
        options.append("ilike")
    if rule.contains:
        options.append("contains")
    kind = draw(st.sampled_from(options))
    f = spec.name
    if kind == "is_null":
        return ast.IsNull(field=f, negated=draw(st.booleans()))
    if kind == "compare":
        return ast.Compare(
            field=f, op=draw(st.sampled_from(rule.compare_ops)), value=draw(_literal(spec))
        )
    if kind == "between":
        return ast.Between(field=f, low=draw(_literal(spec)), high=draw(_literal(spec)))
    if kind == "in":
        return ast.InList(
            field=f, values=tuple(draw(st.lists(_literal(spec), min_size=1, max_size=3)))
        )
    if kind == "ilike":
        return ast.ILike(field=f, pattern=draw(raw_text))
    return ast.Contains(field=f, tags=tuple(draw(st.lists(solid_text, min_size=1, max_size=3))))


def within_decode_limits(cond: ast.Condition, depth: int = 0, nots: int = 0) -> bool:
    """Whether the printed condition stays inside `DecodeLimits` (parentheses, NOT runs)."""
    limits = DecodeLimits()
    if depth > limits.nesting or nots > limits.nots:
        return False
    if isinstance(cond, ast.Not):
        inner = cond.operand
        wraps = isinstance(inner, ast.And | ast.Or)
        return within_decode_limits(inner, depth + wraps, 0 if wraps else nots + 1)
    if isinstance(cond, ast.And | ast.Or):
        if len(cond.operands) > limits.chain_terms:
            return False
        return all(
            within_decode_limits(c, depth + (isinstance(cond, ast.And) and isinstance(c, ast.Or)))
            for c in cond.operands
        )
    return True


def conditions(table: TableSpec, profile: Profile) -> st.SearchStrategy[ast.Condition]:
    rules = PROFILE_RULES[profile]
    return _conditions(table, profile).filter(
        lambda c: within_decode_limits(c) and not rules.where_problems(render_condition(c))
    )


def _conditions(table: TableSpec, profile: Profile) -> st.SearchStrategy[ast.Condition]:
    return st.recursive(
        predicates(table, profile),
        lambda inner: st.one_of(
            inner.map(lambda c: ast.Not(operand=c)),
            st.lists(inner, min_size=2, max_size=3).map(lambda cs: ast.And(operands=tuple(cs))),
            st.lists(inner, min_size=2, max_size=3).map(lambda cs: ast.Or(operands=tuple(cs))),
        ),
        max_leaves=5,
    )


@st.composite
def statements(draw: st.DrawFn, catalog: Catalog, profile: Profile = Profile.REM) -> ast._Statement:
    rules = PROFILE_RULES[profile]
    kinds = ["lookup", "search", "traverse", "select"] + (["fuzzy"] if rules.fuzzy else [])
    kind = draw(st.sampled_from(kinds))
    table = draw(st.sampled_from(catalog.tables))
    limits = st.one_of(st.none(), st.integers(1, ast.MAX_LIMIT))
    keys = solid_text.filter(lambda k: not any(c in k for c in rules.lookup_key_forbidden))
    if kind == "lookup":
        return ast.Lookup(keys=tuple(draw(st.lists(keys, min_size=1, max_size=3))))
    if kind == "search":
        where = draw(st.none() | conditions(table, profile)) if rules.search_where else None
        limit = draw(limits) if rules.search_limit else None
        return ast.Search(text=draw(solid_text), table=table.name, where=where, limit=limit)
    if kind == "fuzzy":
        return ast.Fuzzy(
            text=draw(solid_text),
            table=draw(st.none() | st.just(table.name)),
            threshold=draw(st.none() | st.floats(0, 1).map(lambda x: round(x, 3))),
            limit=draw(limits),
        )
    if kind == "traverse":
        seed = draw(
            st.one_of(
                st.lists(keys, min_size=1, max_size=2).map(lambda ks: ast.Lookup(keys=tuple(ks))),
                solid_text.map(lambda t: ast.Search(text=t, table=table.name)),
            )
        )
        banned = rules.edge_forbidden_substring
        edges = st.lists(
            edge_names.filter(
                lambda e: (not banned or banned not in e) and e not in rules.edge_forbidden_names
            ),
            max_size=3,
        )
        return ast.Traverse(
            edges=tuple(draw(edges)), seed=seed, depth=draw(st.integers(0, ast.MAX_DEPTH))
        )
    orderable = [f.name for f in table.fields if TYPE_RULES[f.type].orderable]
    order = st.lists(
        st.builds(
            ast.OrderItem,
            field=st.sampled_from(orderable),
            direction=st.sampled_from([None, "ASC", "DESC"]),
        ),
        max_size=2,
    )
    return ast.Select(
        table=table.name,
        where=draw(st.none() | conditions(table, profile)),
        order_by=tuple(draw(order)),
        limit=draw(limits),
    )


# A catalog with every field type, for tests that must not depend on p8fs's tables.
def all_types_catalog() -> Catalog:
    fields = [
        FieldSpec(name=f"f_{t.value}", type=t, values=("a", "b'c") if t is FieldType.ENUM else ())
        for t in FieldType
    ]
    fields.append(FieldSpec(name="created_at", type=FieldType.TIMESTAMP))
    table = TableSpec(name="things", default_time_field="created_at", fields=tuple(fields))
    return Catalog(name="test", tables=(table,), default_table="things")
