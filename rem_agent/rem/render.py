"""The canonical printer: one tree, one text (REM.md §1).

Keywords upper case, one space between tokens, double quotes in statement
position, single quotes inside WHERE, `IN table` always printed for SEARCH,
`DEPTH` always printed for TRAVERSE.
"""

from __future__ import annotations

import json

from rem_agent.rem.ast import (
    And,
    Between,
    BoolLit,
    Compare,
    Condition,
    Contains,
    Fuzzy,
    ILike,
    InList,
    IsNull,
    Lookup,
    Not,
    NumberLit,
    Or,
    Search,
    Select,
    Statement,
    StringLit,
    Traverse,
    Value,
    format_number,
)


def quote_double(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_single(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_value(value: Value) -> str:
    if isinstance(value, StringLit):
        return quote_single(value.value)
    if isinstance(value, BoolLit):
        return "TRUE" if value.value else "FALSE"
    assert isinstance(value, NumberLit)
    return format_number(value.value)


def render_condition(cond: Condition) -> str:
    if isinstance(cond, Or):
        return " OR ".join(render_condition(c) for c in cond.operands)
    if isinstance(cond, And):
        return " AND ".join(_wrapped(c, Or) for c in cond.operands)
    if isinstance(cond, Not):
        return "NOT " + _wrapped(cond.operand, And | Or)
    if isinstance(cond, Compare):
        return f"{cond.field} {cond.op} {render_value(cond.value)}"
    if isinstance(cond, Between):
        return f"{cond.field} BETWEEN {render_value(cond.low)} AND {render_value(cond.high)}"
    if isinstance(cond, InList):
        return f"{cond.field} IN (" + ", ".join(render_value(v) for v in cond.values) + ")"
    if isinstance(cond, IsNull):
        return f"{cond.field} IS {'NOT ' if cond.negated else ''}NULL"
    if isinstance(cond, ILike):
        return f"{cond.field} ILIKE {quote_single(cond.pattern)}"
    assert isinstance(cond, Contains)
    tags = json.dumps(list(cond.tags), ensure_ascii=False)
    return f"{cond.field} @> {quote_single(tags)}::jsonb"


def _wrapped(cond: Condition, needs_parens: type | object) -> str:
    text = render_condition(cond)
    return f"({text})" if isinstance(cond, needs_parens) else text  # type: ignore[arg-type]


def render(statement: Statement, *, default_table: str = "resources") -> str:
    """Print a statement canonically.

    `default_table` is the table a bare `SEARCH` seed of TRAVERSE means; it is
    left out of the text, as in REM.md's `TRAVERSE WITH SEARCH "api design" DEPTH 1`.
    """
    if isinstance(statement, Lookup):
        return "LOOKUP " + ", ".join(quote_double(k) for k in statement.keys)
    if isinstance(statement, Search):
        parts = [f"SEARCH {quote_double(statement.text)} IN {statement.table}"]
        if statement.where is not None:
            parts.append("WHERE " + render_condition(statement.where))
        if statement.limit is not None:
            parts.append(f"LIMIT {statement.limit}")
        return " ".join(parts)
    if isinstance(statement, Fuzzy):
        parts = [f"FUZZY {quote_double(statement.text)}"]
        if statement.table is not None:
            parts.append(f"IN {statement.table}")
        if statement.threshold is not None:
            parts.append(f"THRESHOLD {format_number(statement.threshold)}")
        if statement.limit is not None:
            parts.append(f"LIMIT {statement.limit}")
        return " ".join(parts)
    if isinstance(statement, Traverse):
        parts = ["TRAVERSE"]
        if statement.edges:
            parts.append(",".join(statement.edges))
        seed = statement.seed
        if isinstance(seed, Search):
            seed_text = f"SEARCH {quote_double(seed.text)}"
            if seed.table != default_table:
                seed_text += f" IN {seed.table}"
        else:
            seed_text = render(seed)
        parts += ["WITH", seed_text, f"DEPTH {statement.depth}"]
        return " ".join(parts)
    assert isinstance(statement, Select)
    parts = [f"SELECT * FROM {statement.table}"]
    if statement.where is not None:
        parts.append("WHERE " + render_condition(statement.where))
    if statement.order_by:
        items = (
            item.field + (f" {item.direction}" if item.direction else "")
            for item in statement.order_by
        )
        parts.append("ORDER BY " + ", ".join(items))
    if statement.limit is not None:
        parts.append(f"LIMIT {statement.limit}")
    return " ".join(parts)
