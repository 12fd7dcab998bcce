"""What is read off a checked answer: whether to decode again, and what to warn of.

Both read the profile rules as data (`rem.profile.PROFILE_RULES`) and the canonical text
the checker printed; neither renders the tree again.

`search_without_topic` is the retry test: a SEARCH whose text only names its table or a
kind (`SEARCH "meetings" IN moments`) is a filter, and the pipeline decodes once more
without SEARCH (the text comes before the table, so the grammar cannot refuse it up front
without pushing the model to another table instead).
"""

from __future__ import annotations

import re

from rem_agent.dates import DateRange, Unresolved
from rem_agent.engines.base import DecodeStats
from rem_agent.rem import ast
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.check import CheckResult
from rem_agent.rem.profile import PROFILE_RULES, Profile, WhereProblem
from rem_agent.text import tokens
from rem_agent.translate.request import ForModel
from rem_agent.translate.spec import names_kind


def search_without_topic(tree: ast.Search, catalog: Catalog) -> bool:
    """A SEARCH whose text only names its table or one of its kinds (`SEARCH "meetings" IN
    moments`): a filter in disguise, which a SELECT says exactly."""
    table = catalog.table(tree.table)
    words = tokens(tree.text)
    return table is not None and bool(words) and all(names_kind(w, table) for w in words)


def needs_retry(checked: CheckResult, catalog: Catalog) -> bool:
    """Whether to decode again without SEARCH."""
    return isinstance(checked.tree, ast.Search) and search_without_topic(checked.tree, catalog)


def where_unsayable(text: str, profile: Profile) -> list[tuple[str, WhereProblem]]:
    """Words of `text` (or two in a row: "border byline") that the profile cannot put in
    a WHERE, each with the rule it breaks, in order."""
    rules = PROFILE_RULES[profile]
    found = tokens(text)
    out: list[tuple[str, WhereProblem]] = []
    for i, token in enumerate(found):
        out += [(token, p) for p in rules.where_problems(token)]
        if i + 1 < len(found):
            pair = f"{token} {found[i + 1]}"
            alone = {*rules.where_problems(token), *rules.where_problems(found[i + 1])}
            out += [(pair, p) for p in rules.where_problems(pair) if p not in alone]
    return out


def warnings_for(prepared: ForModel, checked: CheckResult, stats: DecodeStats) -> list[str]:
    """What the user should know about this valid answer to this request."""
    resolution, screened, profile = prepared.resolution, prepared.screened, prepared.options.profile
    rules = PROFILE_RULES[profile]
    tree, query = checked.tree, checked.canonical or ""
    warnings = [f"could not resolve {u.text!r}: {u.reason}" for u in resolution.unresolved]
    phrases: list[DateRange | Unresolved] = [*resolution.ranges, *resolution.unresolved]
    warnings += [  # a misspelt date word was corrected: say how the phrase was read
        f'read "{p.text}" as "{p.read_as}"' for p in phrases if p.read_as is not None
    ]
    used = _values(tree, ast.StringLit)
    for date in prepared.intervals:
        if not {b for b in (date.start, date.end) if b} & used:
            where = (
                f"the {profile.value} profile has no time filter on SEARCH"
                if not rules.search_where and isinstance(tree, ast.Search)
                else "the query does not filter on it"
            )
            warnings.append(f"the time {date.text!r} is not expressed: {where}")
    numbers = _values(tree, ast.NumberLit)
    warnings += [
        f"the size {q.text!r} ({q.value} bytes) is not expressed: the query does not filter on it"
        for q in prepared.quantities.found
        if q.kind == "size" and q.value not in numbers
    ]
    warnings += screened.warnings()
    if screened.write_intent:
        warnings.append(
            "REM only reads: this query finds the items; it does not change or delete them"
        )
    warnings += [  # words the profile cannot filter on, unless the query says them elsewhere
        f"{phrase!r} is not expressed: {problem.explain(profile.value)}"
        for phrase, problem in where_unsayable(prepared.text.payload_free, profile)
        if not re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", query, re.IGNORECASE)
    ]
    if stats.closed_tokens:
        warnings.append(
            "the model ran into the token limit: its answer was finished with the "
            f"shortest ending the grammar allowed ({stats.closed_tokens} tokens)"
        )
    elif stats.dropped_tokens:
        warnings.append(
            "the model ran into the token limit: the answer ends at its last complete "
            f"condition ({stats.dropped_tokens} tokens after it were dropped)"
        )
    return warnings


def _values(tree: ast.Statement | None, kind: type[ast.StringLit | ast.NumberLit]) -> set[object]:
    """The literal values of one kind in the tree's WHERE."""
    where = getattr(tree, "where", None)
    return {
        value.value
        for pred in ast.predicates(where)
        for value in ast.values_of(pred)
        if isinstance(value, kind)
    }
