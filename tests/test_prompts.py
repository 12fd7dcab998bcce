"""The prompt library: every worked example is right, and selection finds the relevant ones."""

from __future__ import annotations

import re

import pytest

from rem_agent.dates import resolve_dates
from rem_agent.rem import Profile, check_rem, default_catalog
from rem_agent.rem.catalog import Catalog, FieldSpec, FieldType, TableSpec
from rem_agent.translate.prompts import PromptLibrary
from rem_agent.translate.request import ForModel, TranslateOptions, for_model

LIBRARY = PromptLibrary()
PROMPTS = LIBRARY.for_catalog(default_catalog())


def prepared(text: str) -> ForModel:
    return for_model(text, TranslateOptions(now=LIBRARY.examples_now), default_catalog())


@pytest.mark.parametrize("example", LIBRARY.examples, ids=lambda e: e.request[:30])
def test_example_answers_are_canonical_and_use_only_resolved_dates(example) -> None:  # type: ignore[no-untyped-def]
    for profile in Profile:
        answer = example.answer(profile)
        result = check_rem(answer, profile=profile)
        assert result.valid, (profile, answer, result.errors)
        assert result.canonical == answer
    resolution = resolve_dates(example.request, now=LIBRARY.examples_now, tz=LIBRARY.examples_tz)
    allowed = {b for r in resolution.ranges for b in (r.start_literal(), r.end_literal()) if b}
    used = set(re.findall(r"'(\d{4}-\d{2}-\d{2}[^']*)'", example.rem))
    assert used <= allowed, (example.request, used, allowed)


def test_library_covers_every_statement_kind() -> None:
    kinds = {check_rem(e.rem).statement for e in LIBRARY.examples}
    assert kinds == {"LOOKUP", "SEARCH", "FUZZY", "TRAVERSE", "SELECT"}
    assert len(LIBRARY.examples) >= 25


@pytest.mark.parametrize(
    ("request_text", "expected_in_top"),
    [
        ("who reports to Dana", "who reports to Sally?"),
        ("my 3 latest uploads", "my 5 most recent uploads"),
        ("anything called postgress", "anything named kubernets"),
        ("meetings last week", "meetings I had yesterday"),
    ],
)
def test_selection_prefers_similar_examples(request_text: str, expected_in_top: str) -> None:
    chosen = LIBRARY.select(request_text, 3, has_dates="last week" in request_text)
    assert expected_in_top in [e.request for e in chosen]
    assert len(chosen) == 3


def test_built_prompt_shape() -> None:
    request = prepared("kafka notes from last week")
    built = PROMPTS.build(request.text, request.intervals, profile=Profile.REM, k=2)
    roles = [m.role for m in built.messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert built.static_messages == 1
    assert "moment_type (one of conversation|meeting" in built.messages[0].content
    assert built.messages[-1].content.endswith("until '2026-11-23'")
    p8fs = PROMPTS.build(prepared("x").text, (), profile=Profile.P8FS, k=0)
    assert "no FUZZY" in p8fs.messages[0].content
    # The system prompt does not depend on the request: it is the cached prefix.
    other = PROMPTS.build(prepared("y").text, (), profile=Profile.P8FS, k=0)
    assert other.messages[0] == p8fs.messages[0]


def test_custom_catalog_hides_examples_it_cannot_run() -> None:
    table = TableSpec(
        name="tickets",
        default_time_field="opened_at",
        fields=(FieldSpec(name="opened_at", type=FieldType.TIMESTAMP),),
    )
    catalog = Catalog(name="t", tables=(table,), default_table="tickets")
    usable = LIBRARY.for_catalog(catalog).usable[Profile.REM]
    assert usable and all(check_rem(e.rem, catalog=catalog).valid for e in usable)
    assert all(" FROM " not in e.rem for e in usable)


def test_selection_ignores_date_words() -> None:
    """'kafka notes from last week' is about kafka notes: it must not pick an example for
    sharing 'last week' with it."""
    request = prepared("kafka notes from last week")
    built = PROMPTS.build(request.text, request.intervals, profile=Profile.REM, k=4)
    closest = built.examples[-1]
    assert "kafka" in closest.request or "notes" in closest.request, closest.request
    assert all(e.compared.strip() for e in LIBRARY.examples)
    assert "last week" not in " ".join(e.compared for e in LIBRARY.examples)
