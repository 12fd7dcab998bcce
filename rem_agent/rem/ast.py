"""The REM syntax tree: one pydantic model per statement, predicate and literal.

Trees are immutable and normalised on construction (nested AND/OR are
flattened, strings are trimmed), so two trees that print the same are equal:
`parse(render(tree)) == tree` holds for every valid tree.

What a tree may contain regardless of any catalog is checked here (value
ranges, characters in strings); what depends on the catalog and profile lives
in `rem_agent.rem.validate`.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Characters no REM string may hold: controls, and invisible format characters
# (zero-width, bidi overrides) that make a query read differently than it runs.
# Kept as regex escapes: the same text works in Python's re and in Rust's regex.
FORBIDDEN_CHARS = r"\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff"
_FORBIDDEN = re.compile(f"[{FORBIDDEN_CHARS}]")

MAX_LIMIT = 10_000
MAX_DEPTH = 10
# Printed numbers stay within what the decoding grammar can emit.
NUMBER_PATTERN = r"-?[0-9]{1,15}(\.[0-9]{1,15})?"
_NUMBER = re.compile(f"^{NUMBER_PATTERN}$")
TIMESTAMP_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
EDGE_PATTERN = r"[a-z0-9_-]+"
_EDGE = re.compile(f"^{EDGE_PATTERN}$")
FIELD_PATTERN = r"[a-z_][a-z0-9_]*"
_FIELD = re.compile(f"^{FIELD_PATTERN}$")

CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]
Direction = Literal["ASC", "DESC"]


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _clean_text(value: str, what: str, *, allow_empty: bool = False) -> str:
    match = _FORBIDDEN.search(value)
    if match:
        raise ValueError(f"{what} contains an invisible or control character U+{ord(match[0]):04X}")
    if not allow_empty:
        value = value.strip()
        if not value:
            raise ValueError(f"{what} is empty")
    return value


def format_number(value: int | float) -> str:
    """Canonical text of a number: integers as such, floats without exponent."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else f"{text}.0"


def _check_number(value: int | float) -> int | float:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    if not _NUMBER.match(format_number(value)):
        raise ValueError(f"number {value!r} has more than 15 digits before or after the point")
    return value


# ---------------------------------------------------------------- literals


class StringLit(_Node):
    kind: Literal["string"] = "string"
    value: str

    @field_validator("value")
    @classmethod
    def _chars(cls, v: str) -> str:
        return _clean_text(v, "a string literal", allow_empty=True)


class NumberLit(_Node):
    kind: Literal["number"] = "number"
    value: int | float

    @field_validator("value")
    @classmethod
    def _finite(cls, v: int | float) -> int | float:
        return _check_number(v)


class BoolLit(_Node):
    kind: Literal["bool"] = "bool"
    value: bool


Value = Annotated[Union[StringLit, NumberLit, BoolLit], Field(discriminator="kind")]  # noqa: UP007


# ---------------------------------------------------------------- conditions


class _Predicate(_Node):
    field: str

    @field_validator("field")
    @classmethod
    def _field_name(cls, v: str) -> str:
        if not _FIELD.match(v):
            raise ValueError(f"{v!r} is not a field name")
        return v


class Compare(_Predicate):
    kind: Literal["compare"] = "compare"
    op: CompareOp
    value: Value


class Between(_Predicate):
    kind: Literal["between"] = "between"
    low: Value
    high: Value


class InList(_Predicate):
    kind: Literal["in"] = "in"
    values: tuple[Value, ...] = Field(min_length=1)


class IsNull(_Predicate):
    kind: Literal["is_null"] = "is_null"
    negated: bool = False


class ILike(_Predicate):
    kind: Literal["ilike"] = "ilike"
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _chars(cls, v: str) -> str:
        return _clean_text(v, "an ILIKE pattern", allow_empty=True)


class Contains(_Predicate):
    """`field @> '["tag", ...]'::jsonb`: the JSON array holds every tag."""

    kind: Literal["contains"] = "contains"
    tags: tuple[str, ...] = Field(min_length=1)

    @field_validator("tags")
    @classmethod
    def _chars(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_clean_text(t, "a tag") for t in tags)


class Not(_Node):
    kind: Literal["not"] = "not"
    operand: Condition


class _Junction(_Node):
    operands: tuple[Condition, ...] = Field(min_length=2)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: object) -> object:
        # a AND (b AND c) prints as a AND b AND c, so it must be the same tree.
        if isinstance(data, dict) and "operands" in data:
            kind = cls.model_fields["kind"].default
            flat: list[object] = []
            for operand in data["operands"]:
                if isinstance(operand, _Junction) and getattr(operand, "kind", None) == kind:
                    flat.extend(operand.operands)
                elif isinstance(operand, dict) and operand.get("kind") == kind:
                    flat.extend(operand.get("operands", ()))
                else:
                    flat.append(operand)
            data = {**data, "operands": tuple(flat)}
        return data


class And(_Junction):
    kind: Literal["and"] = "and"


class Or(_Junction):
    kind: Literal["or"] = "or"


Condition = Annotated[
    Union[Compare, Between, InList, IsNull, ILike, Contains, Not, And, Or],  # noqa: UP007
    Field(discriminator="kind"),
]
Predicate = Compare | Between | InList | IsNull | ILike | Contains


# ---------------------------------------------------------------- statements


def _positive_limit(v: int | None) -> int | None:
    if v is not None and not 1 <= v <= MAX_LIMIT:
        raise ValueError(f"LIMIT must be between 1 and {MAX_LIMIT}")
    return v


class _Statement(_Node):
    @property
    def kind(self) -> str:
        return self.statement  # type: ignore[attr-defined]


class Lookup(_Statement):
    statement: Literal["LOOKUP"] = "LOOKUP"
    keys: tuple[str, ...] = Field(min_length=1)

    @field_validator("keys")
    @classmethod
    def _keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_clean_text(k, "a LOOKUP key") for k in keys)


class Search(_Statement):
    statement: Literal["SEARCH"] = "SEARCH"
    text: str
    table: str = "resources"
    where: Condition | None = None
    limit: int | None = None

    _text = field_validator("text")(lambda v: _clean_text(v, "the search text"))
    _limit = field_validator("limit")(_positive_limit)


class Fuzzy(_Statement):
    statement: Literal["FUZZY"] = "FUZZY"
    text: str
    table: str | None = None
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    limit: int | None = None

    _text = field_validator("text")(lambda v: _clean_text(v, "the fuzzy text"))
    _limit = field_validator("limit")(_positive_limit)

    @field_validator("threshold")
    @classmethod
    def _threshold(cls, v: float | None) -> float | None:
        return None if v is None else float(_check_number(v))


class Traverse(_Statement):
    statement: Literal["TRAVERSE"] = "TRAVERSE"
    edges: tuple[str, ...] = ()
    seed: Annotated[Union[Lookup, Search], Field(discriminator="statement")]  # noqa: UP007
    depth: int = Field(default=1, ge=0, le=MAX_DEPTH)

    @field_validator("edges")
    @classmethod
    def _edges(cls, edges: tuple[str, ...]) -> tuple[str, ...]:
        for edge in edges:
            if not _EDGE.match(edge):
                raise ValueError(
                    f"edge {edge!r}: edge names are lower-case letters, digits, '-' and '_'"
                )
            if edge == "with":
                raise ValueError("'with' is a keyword and cannot name an edge")
        return edges

    @field_validator("seed")
    @classmethod
    def _seed(cls, seed: Lookup | Search) -> Lookup | Search:
        if isinstance(seed, Search) and (seed.where is not None or seed.limit is not None):
            raise ValueError("a TRAVERSE seed SEARCH takes no WHERE or LIMIT")
        return seed


class OrderItem(_Node):
    field: str
    direction: Direction | None = None

    _field = field_validator("field")(_Predicate._field_name.__func__)  # type: ignore[attr-defined]


class Select(_Statement):
    statement: Literal["SELECT"] = "SELECT"
    table: str
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None

    _limit = field_validator("limit")(_positive_limit)


Statement = Annotated[
    Union[Lookup, Search, Fuzzy, Traverse, Select],  # noqa: UP007
    Field(discriminator="statement"),
]

for _model in (Not, And, Or, Search, Select, Traverse):
    _model.model_rebuild()

# The statement keywords, in REM.md's order: the one list every module reads.
STATEMENT_KEYWORDS: tuple[str, ...] = tuple(
    str(cls.model_fields["statement"].default) for cls in (Lookup, Search, Fuzzy, Traverse, Select)
)
_KEYWORD_ALTS = "|".join(STATEMENT_KEYWORDS)
# A keyword as a whole word: not "lookups", "search-engine" or "select's".
_STARTS = re.compile(rf"^\s*({_KEYWORD_ALTS})(?![\w\-'’])", re.IGNORECASE)
_STARTS_UPPER = re.compile(rf"^\s*({_KEYWORD_ALTS})(?![\w\-'’])")


def statement_start(text: str, *, any_case: bool = True) -> re.Match[str] | None:
    """The statement keyword `text` begins with (group 1), if any: the one test of it that
    the agent, the request screen and the REPL share."""
    return (_STARTS if any_case else _STARTS_UPPER).match(text)


def values_of(pred: Predicate) -> tuple[Value, ...]:
    """The literal values a predicate compares with (none for IS NULL, ILIKE and @>)."""
    if isinstance(pred, Compare):
        return (pred.value,)
    if isinstance(pred, Between):
        return (pred.low, pred.high)
    if isinstance(pred, InList):
        return pred.values
    return ()


def predicates(condition: Condition | None) -> list[Predicate]:
    """Every predicate in a condition, left to right."""
    if condition is None:
        return []
    if isinstance(condition, Not):
        return predicates(condition.operand)
    if isinstance(condition, And | Or):
        return [p for operand in condition.operands for p in predicates(operand)]
    return [condition]
