"""`rem-agent eval` end to end: with a scripted engine (fast) and the real model (CI)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import ScriptedEngine, fake_adapter

from rem_agent.agent import RemAgent
from rem_agent.cli import main
from rem_agent.evaluation.dataset import load_cases
from rem_agent.evaluation.runner import Variant, markdown, run_eval, variants_for
from rem_agent.models.adapters import Adapter

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT / "eval" / "devset.jsonl"


def test_runner_scores_a_scripted_engine_in_both_modes() -> None:
    cases = load_cases(DEVSET)[:4]
    answers = {c.nl: c.expected for c in cases[:3]}  # the 4th gets a wrong answer

    def answer(user_msg: str, grammar: str | None) -> str:
        request = user_msg.split("\n")[0].removeprefix("Request: ")
        return answers.get(request, 'LOOKUP "somebody else"') if grammar else "nonsense"

    agent = RemAgent(engine_instance=ScriptedEngine(answer=answer), cache_size=0)
    report = run_eval(variants_for(agent, (True, False)), cases, dataset="dev")
    constrained, free = report.modes
    assert (constrained.summary.valid_pct, constrained.summary.exact_pct) == (100.0, 75.0)
    assert (free.summary.valid_pct, free.summary.exact_pct) == (0.0, 0.0)
    assert free.cases[0].raw_output == "nonsense"
    table = markdown(report)
    assert "| exact % | 75.0 | 0.0 |" in table
    assert "| valid % | 100.0 | 0.0 |" in table


def test_compare_alternates_which_mode_runs_first() -> None:
    """The second run of a case finds its prompt cached; each mode goes second half the time."""
    cases = load_cases(DEVSET)[:4]
    agent = RemAgent(
        engine_instance=ScriptedEngine(answer=lambda _msg, _grammar: 'LOOKUP "x"'), cache_size=0
    )
    order: list[tuple[str, bool]] = []
    run_eval(
        variants_for(agent, (True, False)),
        cases,
        on_case=lambda r: order.append((r.id, r.constrained)),
    )
    firsts = [constrained for i, (_, constrained) in enumerate(order) if i % 2 == 0]
    assert firsts == [True, False, True, False]
    assert [case_id for case_id, _ in order[::2]] == [c.id for c in cases]


def test_variants_of_two_agents_rotate_and_report_their_prompt() -> None:
    """Base + few-shot against adapter + compact, each in both modes: four columns, and
    every variant runs first on a quarter of the cases."""
    cases = load_cases(DEVSET)[:8]
    seen: dict[str, list[str]] = {"base": [], "adapter": []}

    def scripted(label: str, adapter: Adapter | None = None) -> ScriptedEngine:
        def answer(user_msg: str, grammar: str | None) -> str:
            seen[label].append(user_msg)
            return 'LOOKUP "x"'

        return ScriptedEngine(answer=answer, adapter=adapter)

    base = RemAgent(engine_instance=scripted("base"), cache_size=0)
    adapted_engine = scripted("adapter", fake_adapter())
    adapted = RemAgent(engine_instance=adapted_engine, cache_size=0)
    variants: list[Variant] = [
        *variants_for(base, (True, False), label="base"),
        *variants_for(adapted, (True, False), label="adapter"),
    ]
    order: list[str] = []
    report = run_eval(variants, cases, on_case=lambda r: order.append(r.variant))
    assert [m.mode for m in report.modes] == [
        "base constrained",
        "base unconstrained",
        "adapter constrained",
        "adapter unconstrained",
    ]
    assert [m.prompt_style for m in report.modes] == ["few-shot", "few-shot", "compact", "compact"]
    assert report.modes[2].adapter == adapted_engine.adapter.name
    assert all(len(m.cases) == len(cases) for m in report.modes)
    assert len(order) == 4 * len(cases)
    assert order[:4] == [m.mode for m in report.modes]  # case 0: every variant, in order
    assert order[4] == "base unconstrained"  # case 1 starts one variant later
    assert "adapter constrained: compact prompt, adapter" in markdown(report)


def test_bad_dev_set_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n')
    assert main(["eval", str(bad)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "missing.jsonl")]) == 2


@pytest.mark.model
def test_eval_limit_5_with_the_real_model(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "rem_agent", "eval", str(DEVSET), "--limit", "5", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| valid % |" in proc.stdout and "| exact % |" in proc.stdout
    report = json.loads(out.read_text())
    assert report["n_cases"] == 5
    mode = report["modes"][0]
    assert mode["constrained"] is True
    assert len(mode["cases"]) == 5
    assert mode["summary"]["valid_pct"] == 100.0  # the grammar guarantees validity
    assert all(c["timings"]["total_ms"] > 0 for c in mode["cases"])
