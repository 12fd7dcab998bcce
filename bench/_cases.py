"""What the latency benches share: which requests they run, and how one is sent."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from rem_agent.agent import RemAgent, Translation
from rem_agent.evaluation.dataset import DevCase, load_cases, select_cases

WARM_UP = "warm-up: notes about kafka from last week"


def add_case_options(parser: argparse.ArgumentParser, *, cases: str, limit: int) -> None:
    parser.add_argument("--cases", default=cases, help=f"JSONL cases (default {cases})")
    parser.add_argument("--limit", type=int, default=limit, help="stratified sample size")


def chosen_cases(args: argparse.Namespace) -> list[DevCase]:
    return select_cases(load_cases(args.cases), limit=args.limit, stratified=True)


def warm_agent(**settings: Any) -> RemAgent:
    """An agent with its model loaded and one request decoded (prompt cached, grammar
    compiled), answer cache off."""
    agent = RemAgent(cache_size=0, **settings)
    agent.load()
    agent.translate(WARM_UP)
    return agent


def sibling(agent: RemAgent, **settings: Any) -> RemAgent:
    """An agent with other settings on the same loaded engine (answer cache off)."""
    other = RemAgent(engine_instance=agent.load(), cache_size=0, **settings)
    other.load()
    return other


def translate_case(agent: RemAgent, case: DevCase, **options: Any) -> Translation:
    return agent.translate(
        case.nl, now=datetime.fromisoformat(case.now), tz=case.tz, profile=case.profile, **options
    )
