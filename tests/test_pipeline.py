"""The pipeline on its own: a prepared request through a scripted engine, and its variants
as plain settings (what the benches vary, with nothing patched)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from fakes import ScriptedEngine

from rem_agent.rem import default_catalog
from rem_agent.translate.pipeline import Cancelled, Pipeline, PipelineSettings
from rem_agent.translate.prompts import PromptLibrary
from rem_agent.translate.request import ForModel, TranslateOptions, for_model
from rem_agent.translate.spec import Narrowing
from rem_agent.translate.translation import Translation

NOW = datetime(2026, 11, 26, 10, 30)
CATALOG = default_catalog()
PROMPTS = PromptLibrary().for_catalog(CATALOG)


def prepared(text: str) -> ForModel:
    return for_model(text, TranslateOptions(now=NOW), CATALOG)


ANSWER = (
    "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'"
)


def _run(**settings: Any) -> tuple[ScriptedEngine, Translation]:
    engine = ScriptedEngine(lambda user, grammar: ANSWER)
    pipeline = Pipeline(engine=engine, prompts=PROMPTS, settings=PipelineSettings(**settings))
    return engine, pipeline.translate(prepared("kafka notes from last week"))


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
    request = prepared("kafka notes from last week")
    Pipeline(engine=narrow, prompts=PROMPTS).translate(request)
    loose = PipelineSettings(
        narrowing=Narrowing(words=False, time_fields=False, require_time=False)
    )
    Pipeline(engine=free, prompts=PROMPTS, settings=loose).translate(request)
    [(_, narrow_grammar)], [(_, free_grammar)] = narrow.calls, free.calls
    assert narrow_grammar is not None and free_grammar is not None
    assert "(?:kafka" in narrow_grammar.lower() and "(?:kafka" not in free_grammar.lower()
    # without require_time, LOOKUP and FUZZY are back for a dated request
    assert re.search(r"^statement: search \| select$", narrow_grammar, re.M)
    assert re.search(
        r"^statement: lookup \| search \| fuzzy \| traverse \| select$", free_grammar, re.M
    )


def test_the_budget_style_and_decoding_reach_the_engine() -> None:
    engine, result = _run(max_tokens=48, style="compact", jump_forward=False, no_repeat=False)
    params = engine.params[0]
    assert (params.max_tokens, params.jump_forward, params.no_repeat) == (48, False, False)
    assert len(engine.calls[0][0]) == 2  # compact: system + request, no examples
    assert result.explain is None


def test_a_set_cancel_event_stops_it_before_the_model() -> None:
    import threading

    engine = ScriptedEngine(lambda u, g: pytest.fail("the model ran"))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        Pipeline(engine=engine, prompts=PROMPTS).translate(prepared("kafka notes"), cancel=cancel)
