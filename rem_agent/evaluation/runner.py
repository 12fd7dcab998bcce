"""Run a dev set through one or more variants (an agent and a decoding mode), and report.

A variant is what one column of the report measures: for example the base model with
its few-shot prompt, or the adapted model with the compact prompt, each constrained by
the grammar or not. All variants run in one pass over the cases."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from rem_agent.agent import RemAgent, Timings
from rem_agent.errors import UsageError
from rem_agent.evaluation.dataset import DevCase
from rem_agent.evaluation.metrics import (
    COMPONENTS,
    CaseScore,
    Summary,
    percentile,
    score_case,
    summarise,
)


class Variant(BaseModel):
    """One column of a report: an agent and whether it decodes under the grammar."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    name: str
    agent: RemAgent
    constrained: bool = True


def variants_for(agent: RemAgent, modes: tuple[bool, ...], *, label: str = "") -> list[Variant]:
    """One variant per mode of one agent, named "constrained" / "unconstrained"
    (prefixed with `label`, e.g. "adapter constrained")."""
    prefix = f"{label} " if label else ""
    return [Variant(name=prefix + _mode_name(m), agent=agent, constrained=m) for m in modes]


class CaseRun(BaseModel):
    variant: str = ""  # the report column it belongs to
    id: str
    category: str
    nl: str
    profile: str
    now: str
    tz: str
    expected: str
    constrained: bool = True
    predicted: str | None
    raw_output: str | None = None
    error: str | None = None
    warnings: list[str] = []
    timings: Timings = Timings()
    score: CaseScore


class CategorySummary(BaseModel):
    n: int
    valid_pct: float
    exact_pct: float


class ModeReport(BaseModel):
    mode: str  # the variant's name, e.g. "constrained" or "adapter unconstrained"
    constrained: bool
    model: str = ""
    adapter: str | None = None
    prompt_style: str = "few-shot"
    summary: Summary
    latency_p50_ms: float
    latency_p95_ms: float
    tokens_per_s: float  # median over cases the model decoded
    categories: dict[str, CategorySummary]
    cases: list[CaseRun]


class EvalReport(BaseModel):
    dataset: str
    engine: str
    model: str
    examples: int
    started_at: str
    n_cases: int
    modes: list[ModeReport]


def _mode_name(constrained: bool) -> str:
    return "constrained" if constrained else "unconstrained"


def run_case(agent: RemAgent, case: DevCase, *, constrained: bool) -> CaseRun:
    now = datetime.fromisoformat(case.now)
    run: dict[str, Any] = {}
    try:
        result = agent.translate(
            case.nl, now=now, tz=case.tz, profile=case.profile, constrain=constrained, explain=True
        )
    except UsageError as exc:  # a bad case (unknown zone, say): scored as a miss, reported
        run = {"predicted": None, "error": f"usage error: {exc}"}
    else:
        run = {
            "predicted": result.query,
            "raw_output": result.explain.raw_output if result.explain else None,
            "error": result.error,
            "warnings": result.warnings,
            "timings": result.timings,
        }
    score = score_case(
        case_id=case.id,
        category=case.category,
        predicted=run["predicted"],
        references=case.references,
        profile=case.profile,
        names_time=case.names_time,
        catalog=agent.catalog,
    )
    return CaseRun(**_case_fields(case), constrained=constrained, score=score, **run)


def _case_fields(case: DevCase) -> dict[str, str]:
    return {
        "id": case.id,
        "category": case.category,
        "nl": case.nl,
        "profile": case.profile.value,
        "now": case.now,
        "tz": case.tz,
        "expected": case.expected,
    }


def mode_report(
    constrained: bool, runs: list[CaseRun], *, variant: Variant | None = None
) -> ModeReport:
    by_category: dict[str, list[CaseScore]] = defaultdict(list)
    for run in runs:
        by_category[run.category].append(run.score)
    categories = {}
    for name, scores in sorted(by_category.items()):
        s = summarise(scores)
        categories[name] = CategorySummary(n=s.n, valid_pct=s.valid_pct, exact_pct=s.exact_pct)
    latencies = [r.timings.total_ms for r in runs if r.timings.total_ms > 0]
    speeds = [r.timings.decode.tokens_per_s for r in runs if r.timings.decode.tokens_per_s > 0]
    agent = variant.agent if variant is not None else None
    return ModeReport(
        mode=variant.name if variant is not None else _mode_name(constrained),
        constrained=constrained,
        model=agent.describe()[1] if agent is not None else "",
        adapter=agent.adapter_name if agent is not None else None,
        prompt_style=agent.prompt_style if agent is not None else "few-shot",
        summary=summarise([r.score for r in runs]),
        latency_p50_ms=round(percentile(latencies, 50), 1),
        latency_p95_ms=round(percentile(latencies, 95), 1),
        tokens_per_s=round(statistics.median(speeds), 2) if speeds else 0.0,
        categories=categories,
        cases=runs,
    )


def run_eval(
    variants: list[Variant],
    cases: list[DevCase],
    *,
    dataset: str = "",
    on_case: Callable[[CaseRun], None] | None = None,
) -> EvalReport:
    """Translate every case in every variant. Each case runs in all variants before the
    next, so load on a shared machine hits them alike, and the order rotates per case:
    a later run of a case may find its prompt in the engine's cache, and each variant
    gets that advantage equally often."""
    if not variants:
        raise UsageError("nothing to evaluate: no variant")
    started = datetime.now().astimezone().isoformat(timespec="seconds")
    runs: list[list[CaseRun]] = [[] for _ in variants]
    order = list(range(len(variants)))
    for index, case in enumerate(cases):
        shift = index % len(order)
        for i in order[shift:] + order[:shift]:
            run = run_case(variants[i].agent, case, constrained=variants[i].constrained)
            run = run.model_copy(update={"variant": variants[i].name})
            runs[i].append(run)
            if on_case is not None:
                on_case(run)
    engine, model = variants[0].agent.describe()
    return EvalReport(
        dataset=dataset,
        engine=engine,
        model=model,
        examples=variants[0].agent.defaults.examples,
        started_at=started,
        n_cases=len(cases),
        modes=[
            mode_report(v.constrained, r, variant=v) for v, r in zip(variants, runs, strict=True)
        ],
    )


_LABELS = {
    "statement": "statement kind",
    "table": "table",
    "text": "search text / keys (F1 ≥ 0.8)",
    "time_field": "time field",
    "dates": "date interval",
    "other": "other predicates / edges",
    "order_limit": "order / limit",
}


def markdown(report: EvalReport) -> str:
    """The summary table (one column per mode) and the per-category exact/valid table."""
    heads = [m.mode for m in report.modes]
    prompts = "; ".join(
        f"{m.mode}: {m.prompt_style} prompt" + (f", adapter {m.adapter}" if m.adapter else "")
        for m in report.modes
    )
    lines = [
        f"Dev set `{report.dataset}`: {report.n_cases} cases, model {report.model} "
        f"on {report.engine} ({prompts})",
        "",
        "| metric | " + " | ".join(heads) + " |",
        "|---|" + "---:|" * len(heads),
    ]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("valid %", [f"{m.summary.valid_pct:.1f}" for m in report.modes])
    row("exact %", [f"{m.summary.exact_pct:.1f}" for m in report.modes])
    for name in COMPONENTS:
        row(
            f"{_LABELS[name]} %",
            [
                f"{c.pct:.1f} (n={c.n})" if c.n else "-"
                for c in (m.summary.components[name] for m in report.modes)
            ],
        )
    row(
        "dates right where time is named %",
        [
            "-"
            if m.summary.dates_when_named_pct is None
            else f"{m.summary.dates_when_named_pct:.1f}"
            for m in report.modes
        ],
    )
    row("latency p50 ms", [f"{m.latency_p50_ms:.0f}" for m in report.modes])
    row("latency p95 ms", [f"{m.latency_p95_ms:.0f}" for m in report.modes])
    row("tokens/s (median)", [f"{m.tokens_per_s:.1f}" for m in report.modes])
    lines += [
        "",
        "| category | n | " + " | ".join(f"{h} valid / exact %" for h in heads) + " |",
        "|---|---:|" + "---:|" * len(heads),
    ]
    for name in report.modes[0].categories:
        n = report.modes[0].categories[name].n
        cells = [
            f"{m.categories[name].valid_pct:.0f} / {m.categories[name].exact_pct:.0f}"
            for m in report.modes
        ]
        lines.append(f"| {name} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
