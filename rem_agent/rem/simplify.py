"""Drop what repeats without meaning: the canonical form says each thing once.

`x AND x`, `x OR x`, `NOT NOT x`, an `IN` list or tag list naming a value twice, a
LOOKUP key or an edge given twice, and an ORDER BY field sorted twice all mean what the
shorter form means (also under SQL's three-valued logic), so the canonical text is the
shorter form. A small model that loops writes such repeats; the answer keeps the query
it meant.
"""

from __future__ import annotations

from typing import TypeVar

from rem_agent.rem.ast import (
    And,
    Condition,
    Contains,
    InList,
    Lookup,
    Not,
    Or,
    Search,
    Select,
    Statement,
    Traverse,
)

T = TypeVar("T")


def _once(items: tuple[T, ...]) -> tuple[T, ...]:
    """`items` without repeats, first occurrences kept in order."""
    out: list[T] = []
    for item in items:
        if item not in out:
            out.append(item)
    return tuple(out)


def simplify_condition(condition: Condition) -> Condition:
    if isinstance(condition, Not):
        inner = simplify_condition(condition.operand)
        if isinstance(inner, Not):
            return inner.operand
        return Not(operand=inner)
    if isinstance(condition, And | Or):
        operands = tuple(simplify_condition(c) for c in condition.operands)
        if len(operands) > 1:
            # Rebuilt through the validator, which flattens a junction that became nested
            # (`a AND ((a AND b) OR (a AND b))`), before the repeats are dropped.
            operands = type(condition)(operands=operands).operands
        operands = _once(operands)
        return operands[0] if len(operands) == 1 else type(condition)(operands=operands)
    if isinstance(condition, InList):
        return condition.model_copy(update={"values": _once(condition.values)})
    if isinstance(condition, Contains):
        return condition.model_copy(update={"tags": _once(condition.tags)})
    return condition


def simplify(statement: Statement) -> Statement:
    """`statement` with every idempotent repeat dropped (a tree without any is returned
    unchanged, equal to the input)."""
    if isinstance(statement, Lookup):
        return statement.model_copy(update={"keys": _once(statement.keys)})
    if isinstance(statement, Traverse):
        seed = simplify(statement.seed)
        return statement.model_copy(update={"edges": _once(statement.edges), "seed": seed})
    if isinstance(statement, Search | Select) and statement.where is not None:
        statement = statement.model_copy(update={"where": simplify_condition(statement.where)})
    if isinstance(statement, Select):
        seen: set[str] = set()
        order = []
        for item in statement.order_by:
            if item.field not in seen:  # a second sort on a field never takes effect
                seen.add(item.field)
                order.append(item)
        statement = statement.model_copy(update={"order_by": tuple(order)})
    return statement
