"""Score one predicted query against a case's references, component by component.

Everything is compared on parsed, normalised trees (`check_rem(...).tree`), so
spelling differences the printer erases (keyword case, spacing, `SEARCH` without
`IN`) never count as errors. A component is `None` (not applicable) when neither
the reference nor the prediction has that part: a LOOKUP has no ORDER BY to get
right, and scoring it as correct would inflate the number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel

from rem_agent.rem import ast
from rem_agent.rem.catalog import Catalog, FieldType, default_catalog
from rem_agent.rem.check import check_rem
from rem_agent.rem.profile import Profile

COMPONENTS = ("statement", "table", "text", "time_field", "dates", "other", "order_limit")
TEXT_F1_THRESHOLD = 0.8
_TOKEN = re.compile(r"[a-z0-9]+")

Tree = ast.Lookup | ast.Search | ast.Fuzzy | ast.Traverse | ast.Select


class CaseScore(BaseModel):
    id: str
    category: str
    valid: bool
    exact: bool
    names_time: bool
    components: dict[str, bool | None]
    text_f1: float | None = None
    reference: str | None = None  # the expected/accepted query the prediction was scored against


class ComponentSummary(BaseModel):
    n: int
    correct: int
    pct: float


class Summary(BaseModel):
    n: int
    valid_pct: float
    exact_pct: float
    components: dict[str, ComponentSummary]
    dates_when_named_pct: float | None  # date intervals right where the request names time


def token_f1(predicted: Iterable[str], reference: Iterable[str]) -> float:
    """Token-set F1 of two texts (lower-cased words); 1.0 when both are empty."""
    pred = {t for s in predicted for t in _TOKEN.findall(s.lower())}
    ref = {t for s in reference for t in _TOKEN.findall(s.lower())}
    if not pred and not ref:
        return 1.0
    common = len(pred & ref)
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


class Parts(BaseModel):
    """The comparable parts of one tree."""

    statement: str
    table: str | None
    texts: tuple[str, ...]
    time_fields: frozenset[str]
    dates: tuple[tuple[str, str], ...]
    other: frozenset[str]
    order_limit: tuple[tuple[tuple[str, str], ...], int | None] | None


_NO_PARTS = Parts(
    statement="",
    table=None,
    texts=(),
    time_fields=frozenset(),
    dates=(),
    other=frozenset(),
    order_limit=None,
)


def parts(tree: Tree, catalog: Catalog) -> Parts:
    table: str | None = None
    texts: tuple[str, ...] = ()
    other: set[str] = set()
    where: ast.Condition | None = None
    order_limit: tuple[tuple[tuple[str, str], ...], int | None] | None = None
    if isinstance(tree, ast.Lookup):
        texts = tree.keys
    elif isinstance(tree, ast.Search):
        table, texts, where = tree.table, (tree.text,), tree.where
        if tree.limit is not None:
            order_limit = ((), tree.limit)
    elif isinstance(tree, ast.Fuzzy):
        table, texts = tree.table, (tree.text,)
        if tree.threshold is not None:
            other.add(f"threshold {tree.threshold}")
        if tree.limit is not None:
            order_limit = ((), tree.limit)
    elif isinstance(tree, ast.Traverse):
        seed = tree.seed
        texts = seed.keys if isinstance(seed, ast.Lookup) else (seed.text,)
        table = seed.table if isinstance(seed, ast.Search) else None
        other.add("edges " + ",".join(sorted(tree.edges)))
        other.add(f"depth {tree.depth}")
    else:
        table, where = tree.table, tree.where
        if tree.order_by or tree.limit is not None:
            order = tuple((o.field, o.direction or "ASC") for o in tree.order_by)
            order_limit = (order, tree.limit)
    spec = catalog.table(table) if table else None
    time_fields: set[str] = set()
    dates: list[tuple[str, str]] = []
    for pred in ast.predicates(where):
        field = spec.field(pred.field) if spec else None
        if field is not None and field.type is FieldType.TIMESTAMP and _is_dated(pred):
            time_fields.add(pred.field)
            dates.extend(_bounds(pred))
        else:
            other.add(pred.model_dump_json())
    return Parts(
        statement=tree.statement,
        table=table,
        texts=texts,
        time_fields=frozenset(time_fields),
        dates=tuple(sorted(dates)),
        other=frozenset(other),
        order_limit=order_limit,
    )


def _is_dated(pred: ast.Predicate) -> bool:
    if isinstance(pred, ast.Compare):
        return isinstance(pred.value, ast.StringLit)
    return isinstance(pred, ast.Between)


def _bounds(pred: ast.Predicate) -> list[tuple[str, str]]:
    """Interval ends a time predicate sets, without its field (that is `time_field`)."""
    if isinstance(pred, ast.Between):
        return [("start", _text(pred.low)), ("end-incl", _text(pred.high))]
    assert isinstance(pred, ast.Compare)
    side = {">=": "start", ">": "start-excl", "<": "end", "<=": "end-incl"}.get(pred.op, pred.op)
    return [(side, _text(pred.value))]


def _text(value: ast.StringLit | ast.NumberLit | ast.BoolLit) -> str:
    return str(value.value)


def compare_parts(
    pred: Parts | None, ref: Parts, *, names_time: bool
) -> tuple[dict[str, bool | None], float | None]:
    """Per-component verdicts (None = not applicable) and the text F1."""
    out: dict[str, bool | None] = {}
    f1: float | None = None
    has = pred is not None
    out["statement"] = pred is not None and pred.statement == ref.statement
    # No valid answer: every part the reference has is wrong, and nothing else applies.
    p = pred or _NO_PARTS

    def judge(name: str, applicable: bool, same: bool) -> None:
        out[name] = (has and same) if applicable else None

    judge("table", ref.table is not None or p.table is not None, p.table == ref.table)
    if ref.texts or p.texts:
        f1 = token_f1(p.texts, ref.texts) if has else 0.0
    judge("text", f1 is not None, f1 is not None and f1 >= TEXT_F1_THRESHOLD)
    timed = names_time or bool(ref.time_fields) or bool(p.time_fields)
    judge("time_field", timed, p.time_fields == ref.time_fields)
    judge("dates", timed, p.dates == ref.dates)
    judge("other", bool(ref.other) or bool(p.other), p.other == ref.other)
    judge(
        "order_limit",
        ref.order_limit is not None or p.order_limit is not None,
        p.order_limit == ref.order_limit,
    )
    return out, f1


def score_case(
    *,
    case_id: str,
    category: str,
    predicted: str | None,
    references: list[str],
    profile: Profile = Profile.REM,
    names_time: bool = False,
    catalog: Catalog | None = None,
) -> CaseScore:
    """Score a prediction (None = the model gave no valid query) against the references:
    exact if its tree equals any of them; components against the closest one."""
    catalog = catalog or default_catalog()
    ref_trees = []
    for ref in references:
        checked = check_rem(ref, profile=profile, catalog=catalog)
        if checked.tree is None:
            raise ValueError(f"case {case_id}: reference {ref!r} is not valid REM")
        ref_trees.append((ref, checked.tree))
    tree = None
    if predicted is not None:
        tree = check_rem(predicted, profile=profile, catalog=catalog).tree
    pred_parts = parts(tree, catalog) if tree is not None else None
    best: tuple[int, dict[str, bool | None], float | None, str] | None = None
    exact = False
    for ref, ref_tree in ref_trees:
        comps, f1 = compare_parts(pred_parts, parts(ref_tree, catalog), names_time=names_time)
        right = sum(1 for v in comps.values() if v)
        exact = tree is not None and tree == ref_tree
        if exact or best is None or right > best[0]:
            best = (right, comps, f1, ref)
        if exact:
            break
    assert best is not None
    return CaseScore(
        id=case_id,
        category=category,
        valid=tree is not None,
        exact=exact,
        names_time=names_time,
        components=best[1],
        text_f1=best[2],
        reference=best[3],
    )


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def summarise(scores: list[CaseScore]) -> Summary:
    n = len(scores)
    components = {}
    for name in COMPONENTS:
        verdicts = [s.components.get(name) for s in scores]
        judged = [v for v in verdicts if v is not None]
        components[name] = ComponentSummary(
            n=len(judged), correct=sum(judged), pct=_pct(sum(judged), len(judged))
        )
    named = [s.components.get("dates") for s in scores if s.names_time]
    return Summary(
        n=n,
        valid_pct=_pct(sum(s.valid for s in scores), n),
        exact_pct=_pct(sum(s.exact for s in scores), n),
        components=components,
        dates_when_named_pct=_pct(sum(bool(v) for v in named), len(named)) if named else None,
    )


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return ordered[int(rank) - 1]
