"""Parse, validate and print canonically: the one entry point faces call."""

from __future__ import annotations

import re

from pydantic import BaseModel

from rem_agent.rem import ast
from rem_agent.rem.catalog import Catalog, default_catalog
from rem_agent.rem.parse import RemErrorInfo, RemSyntaxError, parse_rem
from rem_agent.rem.profile import Profile
from rem_agent.rem.render import render
from rem_agent.rem.simplify import simplify
from rem_agent.rem.validate import validate


class CheckResult(BaseModel):
    """What `rem-agent check --json` prints, plus the tree for callers in Python."""

    valid: bool
    canonical: str | None = None
    statement: str | None = None
    errors: list[RemErrorInfo] = []
    tree: ast.Lookup | ast.Search | ast.Fuzzy | ast.Traverse | ast.Select | None = None

    def public(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "canonical": self.canonical,
            "statement": self.statement,
            "errors": [e.rendered for e in self.errors],
        }


def check_rem(
    text: str, *, profile: Profile = Profile.REM, catalog: Catalog | None = None
) -> CheckResult:
    catalog = catalog or default_catalog()
    try:
        tree = simplify(parse_rem(text, default_table=catalog.default_table))
    except RemSyntaxError as exc:
        return CheckResult(valid=False, errors=[RemErrorInfo.from_error(exc)])
    issues = validate(tree, catalog, profile)
    if issues:
        errors = [
            RemErrorInfo.from_error(RemSyntaxError(i.message, text, _locate(text, i.token)))
            for i in issues
        ]
        return CheckResult(valid=False, statement=tree.statement, errors=errors)
    canonical = render(tree, default_table=catalog.default_table)
    return CheckResult(valid=True, canonical=canonical, statement=tree.statement, tree=tree)


def _locate(text: str, token: str | None) -> int | None:
    """Where the token an issue is about first appears in the text."""
    if not token:
        return None
    edge = r"[\w]" if token[:1].isalnum() or token[:1] == "_" else r"(?!)"
    match = re.search(rf"(?<!{edge}){re.escape(token)}(?!{edge})", text, re.IGNORECASE)
    return match.start() if match else None
