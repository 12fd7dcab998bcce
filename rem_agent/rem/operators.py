"""Which predicates and literals each field type takes (REM.md §1, §3).

Read by the validator (to explain what is wrong) and by the grammar builder
(to make the wrong thing impossible to decode).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from rem_agent.rem.catalog import FieldType

LiteralKind = Literal["string", "enum", "int", "number", "bool", "timestamp"]

ALL_COMPARE = ("=", "!=", "<", "<=", ">", ">=")
EQUALITY = ("=", "!=")


class TypeRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    literal: LiteralKind | None  # None: the type takes no literal at all
    compare_ops: tuple[str, ...] = ()
    between: bool = False
    in_list: bool = False
    ilike: bool = False
    contains: bool = False
    orderable: bool = True

    def allowed(self) -> list[str]:
        """Human names of what the type takes, for error messages."""
        out = [*self.compare_ops]
        out += [
            name
            for name, ok in (
                ("BETWEEN", self.between),
                ("IN (...)", self.in_list),
                ("ILIKE", self.ilike),
                ("@>", self.contains),
            )
            if ok
        ]
        return [*out, "IS [NOT] NULL"]


TYPE_RULES: dict[FieldType, TypeRule] = {
    FieldType.TEXT: TypeRule(
        literal="string", compare_ops=ALL_COMPARE, between=True, in_list=True, ilike=True
    ),
    FieldType.ENUM: TypeRule(literal="enum", compare_ops=EQUALITY, in_list=True),
    FieldType.INT: TypeRule(literal="int", compare_ops=ALL_COMPARE, between=True, in_list=True),
    FieldType.NUMBER: TypeRule(
        literal="number", compare_ops=ALL_COMPARE, between=True, in_list=True
    ),
    FieldType.BOOL: TypeRule(literal="bool", compare_ops=EQUALITY),
    FieldType.TIMESTAMP: TypeRule(literal="timestamp", compare_ops=ALL_COMPARE, between=True),
    FieldType.JSON: TypeRule(literal=None, orderable=False),
    FieldType.JSON_ARRAY: TypeRule(literal=None, contains=True, orderable=False),
}
