"""Jump-forward on the real bundled 0.5B: the same greedy answer as token-by-token
decoding on every dev-set request, with fewer model steps.

Forced tokens are the ones llguidance's mask would allow one at a time anyway (its
canonical tokens for forced bytes), so only the batching changes. Whole dev set, the
default configuration (shipped adapter, compact prompt), answer cache off.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from rem_agent.agent import RemAgent
from rem_agent.engines import llama_cpp_available
from rem_agent.eval.dataset import load_cases

pytestmark = [
    pytest.mark.model,
    pytest.mark.slow,
    pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python is not installed"),
]


def test_jump_forward_gives_the_token_by_token_answer_on_the_dev_set() -> None:
    agent = RemAgent(cache_size=0)
    engine = agent.load()
    cases = load_cases(Path(__file__).resolve().parent.parent / "eval" / "devset.jsonl")
    differ, steps, forced = [], {True: 0, False: 0}, 0
    for case in cases:
        answers = {}
        for jump in (True, False):
            engine.jump_forward = jump  # type: ignore[attr-defined]
            result = agent.translate(
                case.nl,
                now=datetime.fromisoformat(case.now),
                tz=case.tz,
                profile=case.profile,
                explain=True,
            )
            answers[jump] = (result.query, result.explain.raw_output if result.explain else None)
            steps[jump] += result.timings.generated_tokens - (
                result.timings.forced_tokens if jump else 0
            )
            forced += result.timings.forced_tokens if jump else 0
        if answers[True] != answers[False]:
            differ.append((case.nl, answers))
    engine.jump_forward = True  # type: ignore[attr-defined]
    assert differ == [], f"{len(differ)} of {len(cases)} differ: {differ[:3]}"
    assert forced > 0 and steps[True] < steps[False]
