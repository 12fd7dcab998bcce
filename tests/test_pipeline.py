"""The pipeline on its own: a prepared request through a scripted engine, and its variants
as plain settings (what the benches vary, with nothing patched)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from fakes import ScriptedEngine

from rem_agent.pipeline import Cancelled, Pipeline
from rem_agent.prompts import PromptLibrary
from rem_agent.rem import default_catalog
from rem_agent.request import TranslateOptions, prepare
from rem_agent.request_spec import Narrowing
from rem_agent.translation import Translation

NOW = datetime(2026, 11, 26, 10, 30)
CATALOG = default_catalog()
PROMPTS = PromptLibrary()
ANSWER = (
    "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'"
)


def _run(**settings: Any) -> tuple[ScriptedEngine, Translation]:
    engine = ScriptedEngine(lambda user, grammar: ANSWER)
    pipeline = Pipeline(engine=engine, prompts=PROMPTS, catalog=CATALOG, **settings)
    prepared = prepare("kafka notes from last week", TranslateOptions(now=NOW), CATALOG)
    return engine, pipeline.run(prepared)


def test_a_prepared_request_goes_through_once() -> None:
    engine, result = _run()
    assert result.valid and result.query == ANSWER
    assert len(engine.calls) == 1
    messages, grammar = engine.calls[0]
    assert messages[-1].content.endswith("until '2026-11-23'")
    assert grammar is not None and '"kafka"' not in grammar  # the words are a terminal
    assert "'2026-11-16'" in grammar


def test_narrowings_are_settings_of_the_pipeline() -> None:
    narrow, free = ScriptedEngine(lambda u, g: ANSWER), ScriptedEngine(lambda u, g: ANSWER)
    prepared = prepare("kafka notes from last week", TranslateOptions(now=NOW), CATALOG)
    Pipeline(engine=narrow, prompts=PROMPTS, catalog=CATALOG).run(prepared)
    loose = Narrowing(words=False, time_fields=False, require_time=False)
    Pipeline(engine=free, prompts=PROMPTS, catalog=CATALOG, narrowing=loose).run(prepared)
    [(_, narrow_grammar)], [(_, free_grammar)] = narrow.calls, free.calls
    assert narrow_grammar is not None and free_grammar is not None
    assert "(?:kafka" in narrow_grammar.lower() and "(?:kafka" not in free_grammar.lower()
    # without require_time, LOOKUP and FUZZY are back for a dated request
    assert re.search(r"^statement: search \| select$", narrow_grammar, re.M)
    assert re.search(
        r"^statement: lookup \| search \| fuzzy \| traverse \| select$", free_grammar, re.M
    )


def test_the_budget_and_style_reach_the_engine() -> None:
    engine, result = _run(max_tokens=48, style="compact")
    assert engine.params[0].max_tokens == 48
    assert len(engine.calls[0][0]) == 2  # compact: system + request, no examples
    assert result.explain is None


def test_a_set_cancel_event_stops_it_before_the_model() -> None:
    import threading

    engine = ScriptedEngine(lambda u, g: pytest.fail("the model ran"))
    cancel = threading.Event()
    cancel.set()
    prepared = prepare("kafka notes", TranslateOptions(now=NOW), CATALOG)
    with pytest.raises(Cancelled):
        Pipeline(engine=engine, prompts=PROMPTS, catalog=CATALOG).run(prepared, cancel=cancel)
