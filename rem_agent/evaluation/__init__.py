"""Measure translation quality on a dev set: cases, metrics, runner, report."""

from rem_agent.evaluation.dataset import DevCase, load_cases, select_cases
from rem_agent.evaluation.metrics import COMPONENTS, CaseScore, score_case, summarise
from rem_agent.evaluation.runner import EvalReport, run_eval

__all__ = [
    "COMPONENTS",
    "CaseScore",
    "DevCase",
    "EvalReport",
    "load_cases",
    "run_eval",
    "score_case",
    "select_cases",
    "summarise",
]
