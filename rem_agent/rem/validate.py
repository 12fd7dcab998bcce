"""Catalog and profile checks on a parsed tree (REM.md §1–§3).

Every problem is reported with the token it is about, so the caller can put a
caret under it, and in words that say what would be right.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel

from rem_agent.rem import ast
from rem_agent.rem.catalog import Catalog, FieldSpec, FieldType, TableSpec
from rem_agent.rem.operators import TYPE_RULES
from rem_agent.rem.profile import PROFILE_RULES, Profile, WhereProblem

_TIMESTAMP = re.compile(f"^{ast.TIMESTAMP_PATTERN}$")


class Issue(BaseModel):
    message: str
    token: str | None = None  # the identifier or literal the message is about, as printed


def is_timestamp(text: str) -> bool:
    if not _TIMESTAMP.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def validate(statement: ast._Statement, catalog: Catalog, profile: Profile) -> list[Issue]:
    checker = _Checker(catalog, profile)
    checker.statement(statement)
    return checker.issues


class _Checker:
    def __init__(self, catalog: Catalog, profile: Profile) -> None:
        self.catalog = catalog
        self.profile = profile
        self.rules = PROFILE_RULES[profile]
        self.issues: list[Issue] = []

    def fail(self, message: str, token: str | None = None) -> None:
        self.issues.append(Issue(message=message, token=token))

    def no_profile(self, what: str, token: str | None = None) -> None:
        self.fail(f"the {self.profile.value} profile has no {what}", token)

    # -- statements -----------------------------------------------------

    def statement(self, st: ast._Statement) -> None:
        if isinstance(st, ast.Lookup):
            self.lookup(st)
        elif isinstance(st, ast.Search):
            self.search(st)
        elif isinstance(st, ast.Fuzzy):
            if not self.rules.fuzzy:
                self.no_profile("FUZZY; use LOOKUP or SEARCH", "FUZZY")
            if st.table is not None:
                self.table(st.table)
        elif isinstance(st, ast.Traverse):
            self.traverse(st)
        elif isinstance(st, ast.Select):
            self.select(st)

    def lookup(self, st: ast.Lookup) -> None:
        for key in st.keys:
            bad = sorted({c for c in key if c in self.rules.lookup_key_forbidden})
            if bad:
                chars = " or ".join(f"`{c}`" for c in bad)
                self.no_profile(f"LOOKUP keys with {chars} (in {key!r})", key)

    def search(self, st: ast.Search) -> None:
        table = self.table(st.table)
        if st.where is not None:
            if not self.rules.search_where:
                self.no_profile(
                    "WHERE after SEARCH (no time or field filter on a semantic "
                    "search); drop the filter or use SELECT",
                    "WHERE",
                )
            if table:
                self.condition(st.where, table)
        if st.limit is not None and not self.rules.search_limit:
            self.no_profile("LIMIT after SEARCH", "LIMIT")

    def traverse(self, st: ast.Traverse) -> None:
        banned = self.rules.edge_forbidden_substring
        for edge in st.edges:
            if banned and banned in edge:
                self.no_profile(f"edge names containing `{banned}` (`{edge}`)", edge)
            if edge in self.rules.edge_forbidden_names:
                self.fail(
                    f"{self.profile.value} reads `TRAVERSE {edge} WITH` as the keyword "
                    f"{edge.upper()}, not as an edge name",
                    edge,
                )
        if isinstance(st.seed, ast.Search):
            self.table(st.seed.table)
        else:
            self.lookup(st.seed)

    def select(self, st: ast.Select) -> None:
        table = self.table(st.table)
        if table is None:
            return
        if st.where is not None:
            self.condition(st.where, table)
        for item in st.order_by:
            spec = self.field(table, item.field)
            if spec and not TYPE_RULES[spec.type].orderable:
                self.fail(
                    f"cannot ORDER BY `{item.field}`: it is a {spec.type.value} field", item.field
                )
            if any(p.kind == "cut" for p in self.rules.where_problems(item.field)):
                self.fail(f"{self.profile.value} cuts ORDER BY at `limit` in `{item.field}`")

    # -- names ----------------------------------------------------------

    def table(self, name: str) -> TableSpec | None:
        table = self.catalog.table(name)
        if table is None:
            known = ", ".join(self.catalog.table_names)
            self.fail(f"unknown table `{name}`; known tables: {known}", name)
        return table

    def field(self, table: TableSpec, name: str) -> FieldSpec | None:
        spec = table.field(name)
        if spec is None:
            known = ", ".join(table.field_names)
            self.fail(
                f"unknown field `{name}` on table `{table.name}`; known fields: {known}", name
            )
        return spec

    # -- conditions -----------------------------------------------------

    def condition(self, cond: ast.Condition, table: TableSpec) -> None:
        for pred in ast.predicates(cond):
            spec = self.field(table, pred.field)
            if spec is not None:
                self.predicate(pred, spec)
        self.where_text(cond)

    def where_text(self, cond: ast.Condition) -> None:
        """The profile's rules on the WHERE text as printed (p8fs reads it as text)."""
        from rem_agent.rem.render import render_condition

        if not (self.rules.where_refused_words or self.rules.where_cut_markers):
            return
        where = render_condition(cond)
        for atom in (a for pred in ast.predicates(cond) for a in _atoms(pred)):
            for problem in self.rules.where_problems(atom):
                self.fail(self._where_message(problem, atom, where), atom)

    def _where_message(self, problem: WhereProblem, atom: str, where: str) -> str:
        rule = f"{problem.explain(self.profile.value)} ({atom})"
        if problem.kind == "refused":
            return f"{rule}; leave that filter out, or SEARCH for the word"
        found = re.search(re.escape(problem.word), where, re.IGNORECASE)
        runs = f": it would run as `WHERE {where[: found.start()].strip()}`" if found else ""
        return f"{rule}{runs}; leave that filter out, or SEARCH for the words"

    def predicate(self, pred: ast.Predicate, spec: FieldSpec) -> None:
        rule = TYPE_RULES[spec.type]
        kind_ok = {
            ast.Compare: lambda p: p.op in rule.compare_ops,
            ast.Between: lambda p: rule.between,
            ast.InList: lambda p: rule.in_list,
            ast.IsNull: lambda p: True,
            ast.ILike: lambda p: rule.ilike,
            ast.Contains: lambda p: rule.contains,
        }[type(pred)](pred)
        if not kind_ok:
            what = {
                ast.Compare: lambda p: f"`{p.op}`",
                ast.Between: lambda p: "BETWEEN",
                ast.InList: lambda p: "IN (...)",
                ast.ILike: lambda p: "ILIKE",
                ast.Contains: lambda p: "@> (tag membership)",
            }[type(pred)](pred)
            self.fail(
                f"`{spec.name}` is a {_type_name(spec)} field and takes no {what}; "
                f"it takes {', '.join(rule.allowed())}",
                spec.name,
            )
            return
        if isinstance(pred, ast.ILike) and not self.rules.ilike:
            self.no_profile("ILIKE; use = or a SEARCH", spec.name)
        for value in ast.values_of(pred):
            self.literal(value, spec)

    def literal(self, value: ast.Value, spec: FieldSpec) -> None:
        from rem_agent.rem.render import render_value

        text = render_value(value)
        kind = TYPE_RULES[spec.type].literal
        ok = {
            "string": isinstance(value, ast.StringLit),
            "enum": isinstance(value, ast.StringLit) and value.value in spec.values,
            "int": isinstance(value, ast.NumberLit) and isinstance(value.value, int),
            "number": isinstance(value, ast.NumberLit),
            "bool": isinstance(value, ast.BoolLit),
            "timestamp": isinstance(value, ast.StringLit) and is_timestamp(value.value),
        }.get(kind or "", False)
        if ok:
            return
        if kind == "enum" and isinstance(value, ast.StringLit):
            known = ", ".join(spec.values)
            self.fail(f"`{spec.name}` has no value {text}; known values: {known}", text)
            return
        wanted = {
            "string": "a single-quoted string",
            "enum": "one of " + ", ".join(f"'{v}'" for v in spec.values),
            "int": "a whole number",
            "number": "a number",
            "bool": "TRUE or FALSE",
            "timestamp": "a single-quoted timestamp like '2026-11-16' or '2026-11-16T09:00:00'",
        }.get(kind or "", "no literal")
        self.fail(f"`{spec.name}` is a {_type_name(spec)} field: {text} is not {wanted}", text)


def _atoms(pred: ast.Predicate) -> list[str]:
    """The field name and each literal of a predicate, as printed."""
    from rem_agent.rem.render import quote_single, render_condition, render_value

    out = [pred.field, *(render_value(v) for v in ast.values_of(pred))]
    if isinstance(pred, ast.ILike):
        out.append(quote_single(pred.pattern))
    if isinstance(pred, ast.Contains):
        out.append(render_condition(pred).split(" @> ", 1)[1].removesuffix("::jsonb"))
    return out


def _type_name(spec: FieldSpec) -> str:
    return {
        FieldType.JSON_ARRAY: "JSON array",
        FieldType.JSON: "JSON",
        FieldType.INT: "whole-number",
    }.get(spec.type, spec.type.value)
