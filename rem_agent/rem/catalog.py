"""The catalog: which tables exist, their fields and field types (REM.md §3).

The catalog is data (`grammar/p8fs-catalog.yaml`); this module only loads and
checks it. It drives validation, grammar specialisation and the prompt.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rem_agent.errors import UsageError
from rem_agent.resources import data_dir

IDENTIFIER_PATTERN = r"[a-z_][a-z0-9_]*"


class FieldType(StrEnum):
    TEXT = "text"
    ENUM = "enum"
    INT = "int"
    NUMBER = "number"
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    JSON = "json"
    JSON_ARRAY = "json_array"


class FieldSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=f"^{IDENTIFIER_PATTERN}$")
    type: FieldType
    values: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # Values a request rarely spells out ('application/pdf' for "pdfs"): decoding does not
    # limit them to the request's words.
    any_value: bool = False
    # What a number in the field counts: "bytes" (file sizes) takes only the sizes the
    # request names, read by `rem_agent.quantities`, when it names any.
    unit: Literal["bytes"] | None = None

    @model_validator(mode="after")
    def _enum_has_values(self) -> FieldSpec:
        if self.type is FieldType.ENUM and not self.values:
            raise ValueError(f"enum field {self.name!r} needs `values`")
        if self.type is not FieldType.ENUM and self.values:
            raise ValueError(f"only enum fields take `values` ({self.name!r} is {self.type})")
        return self


class TableSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=f"^{IDENTIFIER_PATTERN}$")
    description: str = ""
    # Words a request uses for the table's items ("notes" for resources). Alone they are
    # no topic: `SEARCH "notes" IN resources` is a filter, not a search.
    aliases: tuple[str, ...] = ()
    default_time_field: str
    fields: tuple[FieldSpec, ...]

    @model_validator(mode="after")
    def _check(self) -> TableSpec:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name!r} lists a field twice")
        default = self.field(self.default_time_field)
        if default is None or default.type is not FieldType.TIMESTAMP:
            raise ValueError(
                f"table {self.name!r}: default_time_field {self.default_time_field!r} "
                "must be one of its timestamp fields"
            )
        return self

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def fields_of(self, *types: FieldType) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.type in types)

    def time_field_mentions(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, field) for each whole word of `text` that names one of this
        table's timestamp fields: the field's own name or one of its `aliases`."""
        found = []
        for spec in self.fields_of(FieldType.TIMESTAMP):
            words = (spec.name, *spec.aliases)
            pattern = r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b"
            for match in re.finditer(pattern, text, flags=re.IGNORECASE):
                found.append((match.start(), match.end(), spec.name))
        return sorted(found)


class Catalog(BaseModel):
    """Tables by name, in the order the catalog file lists them."""

    model_config = ConfigDict(frozen=True)

    name: str = "p8fs"
    tables: tuple[TableSpec, ...]
    default_table: str = "resources"

    @field_validator("tables")
    @classmethod
    def _non_empty(cls, tables: tuple[TableSpec, ...]) -> tuple[TableSpec, ...]:
        if not tables:
            raise ValueError("a catalog needs at least one table")
        return tables

    @model_validator(mode="after")
    def _default_exists(self) -> Catalog:
        if self.default_table not in self.table_names:
            # A custom catalog without `resources`: its first table is the default.
            object.__setattr__(self, "default_table", self.tables[0].name)
        return self

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def table(self, name: str) -> TableSpec | None:
        return next((t for t in self.tables if t.name == name), None)

    @classmethod
    def from_mapping(cls, data: Any, *, name: str = "custom") -> Catalog:
        if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
            raise ValueError("a catalog is a mapping with a `tables:` mapping inside")
        tables = []
        for table_name, spec in data["tables"].items():
            if not isinstance(spec, dict) or not isinstance(spec.get("fields"), dict):
                raise ValueError(f"table {table_name!r} needs a `fields:` mapping")
            fields = []
            for field_name, field_spec in spec["fields"].items():
                if isinstance(field_spec, str):
                    field_spec = {"type": field_spec}
                fields.append(FieldSpec(name=field_name, **field_spec))
            tables.append(
                TableSpec(
                    name=table_name,
                    description=spec.get("description", ""),
                    aliases=tuple(spec.get("aliases", ())),
                    default_time_field=spec.get("default_time_field", "created_at"),
                    fields=tuple(fields),
                )
            )
        return cls(
            name=data.get("name", name),
            tables=tuple(tables),
            default_table=data.get("default_table", "resources"),
        )

    @classmethod
    def load(cls, path: str | Path) -> Catalog:
        """Read a catalog file (YAML or JSON); errors name the file and the problem."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot read catalog {path}: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise UsageError(f"catalog {path} is not valid YAML/JSON: {exc}") from None
        try:
            return cls.from_mapping(data, name=path.stem)
        except (ValidationError, ValueError, TypeError) as exc:
            raise UsageError(f"catalog {path} is not a valid catalog: {_brief(exc)}") from None


def _brief(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(e["msg"] for e in exc.errors())
    return str(exc)


@functools.cache
def default_catalog() -> Catalog:
    """The p8fs catalog shipped in `grammar/p8fs-catalog.yaml` (loaded once; it is immutable)."""
    catalog = Catalog.load(data_dir("grammar") / "p8fs-catalog.yaml")
    return catalog.model_copy(update={"name": "p8fs"})


def load_catalog(path: str | Path | None) -> Catalog:
    return default_catalog() if path is None else Catalog.load(path)
