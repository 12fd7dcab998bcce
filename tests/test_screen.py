"""Hostile input keeps no payload (issue 15): rem_agent.translate.screen, and what it does to the
decode spec, the grammar (real llguidance, byte tokenizer) and the agent, without a model."""

from __future__ import annotations

from datetime import datetime

import llguidance
import pytest
from fakes import ScriptedEngine
from specs import spec_of

from rem_agent.agent import RemAgent
from rem_agent.errors import UsageError
from rem_agent.rem import DecodeSpec, Profile, decode_grammar, default_catalog
from rem_agent.translate.screen import screen_request

P8FS = default_catalog()
NOW = datetime(2026, 11, 26, 10, 30)


def screened(text: str):  # type: ignore[no-untyped-def]
    return screen_request(text, P8FS)


# ---------------------------------------------------------------- the screen


@pytest.mark.parametrize(
    ("text", "remainder", "dropped"),
    [
        # the cases
        ("drop the sessions table", "the sessions", ["drop", "table"]),
        ("lookup Robert'); DROP TABLE students;--", "Robert", ["'); DROP TABLE students;--"]),
        ("notes where name is x' OR '1'='1", "notes where name is x", ["' OR '1'='1"]),
        (
            "resources where priority = 'high'",
            "resources where high priority",
            ["priority = 'high'"],
        ),
        # their relatives
        ("please delete my notes from yesterday", "please my notes from yesterday", ["delete"]),
        ("can you truncate the files table", "can you the files", ["truncate", "table"]),
        ("DROP TABLE students", "", ["DROP TABLE students"]),
        ("kafka notes; DROP TABLE resources", "kafka notes", ["; DROP TABLE resources"]),
        (
            "kafka'; DELETE FROM resources WHERE 1=1; --",
            "kafka",
            ["'; DELETE FROM resources WHERE 1=1; --"],
        ),
        ("admin'--", "admin", ["'--"]),
        ("x' OR 1=1 --", "x", ["' OR 1=1 --"]),
        ('name is x" OR ""="', "name is x", ['" OR ""="']),
        ("x' UNION SELECT password FROM users--", "x", ["' UNION SELECT password FROM users--"]),
        ("notes /* hidden */ about kafka", "notes about kafka", ["/* hidden */"]),
        ("sessions where rating >= 4", "sessions where 4 rating", ["rating >= 4"]),
        ('files where owner="dana"', "files where dana owner", ['owner="dana"']),
        ("update resources set name='x'", "", ["update resources set name='x'"]),
        ("insert into notes values ('a')", "", ["insert into notes values ('a')"]),
        ("'; --", "", ["'; --"]),
    ],
)
def test_the_payload_is_taken_out(text: str, remainder: str, dropped: list[str]) -> None:
    s = screened(text)
    assert s.remainder == remainder
    assert [d.text for d in s.dropped] == dropped


@pytest.mark.parametrize(
    "text",
    [
        "how to delete a kafka topic",  # a write verb inside a topic
        "drop-off locations",
        "the update notes",
        "archive of 2024 notes",
        "o'brien's notes",
        "the 'kafka' notes",
        "rock 'n' roll playlists",
        "kafka; zookeeper",
        "notes about c++ -- the language",
        "resources where category = 'diary'",  # a real field: a real filter
        "moments where moment_type = 'meeting'",
        "files with file_size > 1000",
        "e=mc2 notes",
        "notes (draft)",
        "who is Dana?",
        "created tables in postgres",  # "create" inside a word; no write command
    ],
)
def test_ordinary_requests_keep_every_word(text: str) -> None:
    s = screened(text)
    assert s.dropped == () and s.remainder == text and s.problem is None


@pytest.mark.parametrize(
    ("text", "keyword", "remainder"),
    [
        ("lookup olivia", "lookup", "olivia"),
        ("search kafka notes", "search", "kafka notes"),
        ("FUZZY elastisearch", "FUZZY", "elastisearch"),
        ("LOOKUP", "LOOKUP", ""),
        ("lookups by dana", None, "lookups by dana"),
    ],
)
def test_a_leading_statement_keyword_is_no_word(
    text: str, keyword: str | None, remainder: str
) -> None:
    s = screened(text)
    assert (s.keyword, s.remainder, s.dropped) == (keyword, remainder, ())


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("LOOKUP", "'LOOKUP' alone is not a request"),
        ("  select ", "'select' alone is not a request"),
        ("TRAVERSE", "'TRAVERSE' alone"),
        ("DROP TABLE students", "nothing is left to search for once 'DROP TABLE students'"),
        ("'; --", "REM only reads"),
        ("drop table", "nothing is left"),
    ],
)
def test_a_bare_keyword_or_an_empty_remainder_is_a_problem(text: str, needle: str) -> None:
    problem = screened(text.strip()).problem
    assert problem is not None and needle in problem


def test_nothing_dropped_is_never_a_problem() -> None:
    assert screened("???").problem is None  # no words, but nothing hostile either


def test_warnings_name_what_was_dropped() -> None:
    assert screened("drop the sessions table").warnings() == [
        "left out 'drop', 'table': a command to change data is not something to search for"
    ]
    assert screened("lookup Robert'); DROP TABLE students;--").warnings() == [
        'left out "\'); DROP TABLE students;--": SQL syntax, not words to search for'
    ]
    (field,) = screened("resources where priority = 'high'").warnings()
    assert "priority = 'high'" in field and "resources has no field `priority`" in field


def test_a_field_lacking_on_every_table_when_none_is_named() -> None:
    s = screened("where priority = 'high'")
    assert s.dropped[0].detail == "resources, moments, files, sessions have no field `priority`"
    assert screened("where location = 'home'").dropped == ()  # moments has location


def test_write_intent_is_seen_anywhere() -> None:
    assert screened("how to delete a kafka topic").write_intent
    assert not screened("kafka notes").write_intent


# ---------------------------------------------------------------- decode spec and grammar

_BYTES = llguidance.LLTokenizer("byte")


def spec_for(text: str, profile: Profile = Profile.REM) -> DecodeSpec:
    return spec_of(text, profile, now=NOW)


def decodable(spec: DecodeSpec, text: str) -> bool:
    grammar = llguidance.LLMatcher.grammar_from_lark(decode_grammar(spec))
    matcher = llguidance.LLMatcher(_BYTES, grammar)
    assert not matcher.is_error(), matcher.get_error()
    ok = matcher.consume_tokens(_BYTES.tokenize_str(text)) and matcher.is_accepting()
    return bool(ok) and not matcher.is_error()


@pytest.mark.parametrize(
    ("request_text", "absent", "present"),
    [
        ("drop the sessions table", {"drop", "Drop", "table"}, {"sessions"}),
        (
            "lookup Robert'); DROP TABLE students;--",
            {"DROP", "students", "lookup", "Robert'"},
            {"Robert"},
        ),
        ("notes where name is x' OR '1'='1", {"OR", "'1'='1", "x'"}, {"x", "notes"}),
        ("resources where priority = 'high'", {"=", "'high'"}, {"high", "priority"}),
    ],
)
def test_the_payload_never_reaches_the_words(
    request_text: str, absent: set[str], present: set[str]
) -> None:
    words = set(spec_for(request_text).words or ())
    assert present <= words
    assert not absent & words


def test_enum_values_come_from_the_remainder() -> None:
    spec = spec_for("kafka'; UPDATE moments SET moment_type='meeting'")
    assert spec.enum_values == frozenset()


@pytest.mark.parametrize(
    ("request_text", "text", "ok"),
    [
        ("drop the sessions table", "SELECT * FROM sessions", True),
        ("drop the sessions table", 'TRAVERSE WITH LOOKUP "drop sessions" DEPTH 1', False),
        ("drop the sessions table", 'SEARCH "sessions table" IN resources', False),
        ("lookup Robert'); DROP TABLE students;--", 'LOOKUP "Robert"', True),
        ("lookup Robert'); DROP TABLE students;--", 'LOOKUP "Robert\' DROP TABLE students"', False),
        ("lookup Robert'); DROP TABLE students;--", 'LOOKUP "lookup Robert"', False),
        ("notes where name is x' OR '1'='1", "SELECT * FROM resources WHERE name = 'x'", True),
        ("notes where name is x' OR '1'='1", "SEARCH \"x' OR '1'='1\" IN resources", False),
        ("resources where priority = 'high'", 'SEARCH "high priority" IN resources', True),
        ("resources where priority = 'high'", "SEARCH \"priority = 'high'\" IN resources", False),
    ],
)
def test_the_grammar_offers_only_the_read_only_query(
    request_text: str, text: str, ok: bool
) -> None:
    assert decodable(spec_for(request_text), text) is ok
    assert decodable(spec_for(request_text, Profile.P8FS), text) is ok


# ---------------------------------------------------------------- the agent


@pytest.mark.parametrize("text", ["LOOKUP", "select", "DROP TABLE students", "'; --"])
def test_the_agent_refuses_a_bare_keyword_or_a_pure_payload(text: str) -> None:
    engine = ScriptedEngine(lambda u, g: pytest.fail("the model was called"))
    agent = RemAgent(engine_instance=engine)
    with pytest.raises(UsageError) as caught:
        agent.translate(text, now=NOW)
    assert caught.value.exit_code == 2
    assert engine.calls == []


def test_the_agent_warns_about_what_it_left_out() -> None:
    agent = RemAgent(engine_instance=ScriptedEngine(lambda u, g: 'LOOKUP "Robert"'))
    result = agent.translate("lookup Robert'); DROP TABLE students;--", now=NOW)
    assert result.query == 'LOOKUP "Robert"'
    assert any("DROP TABLE students" in w and "SQL syntax" in w for w in result.warnings)
    assert any("REM only reads" in w for w in result.warnings)
    plain = agent.translate("who is Robert", now=NOW)
    assert plain.warnings == []


def _eval_requests() -> list[tuple[str, str, str]]:
    import json
    from pathlib import Path

    root = Path(__file__).parents[1] / "eval"
    rows = [
        json.loads(line)
        for name in ("devset.jsonl", "heldout.jsonl", "fresh.jsonl")
        for line in (root / name).read_text(encoding="utf-8").splitlines()
    ]
    extra = ["lookup Robert'); DROP TABLE students;-- last week", "delete my notes from yesterday"]
    return [(r["nl"], r["now"], r["tz"]) for r in rows] + [
        (t, "2026-11-26T10:30:00", "UTC") for t in extra
    ]


def test_one_screening_gives_the_words_of_the_date_free_text() -> None:
    """The request is screened once; its quoted words are that remainder with the date
    phrases blanked, the same words as screening the date-free text again would give."""
    from rem_agent.dates import resolve_dates
    from rem_agent.text import tokens

    for text, now, tz in _eval_requests():
        resolution = resolve_dates(text, now=datetime.fromisoformat(now), tz=tz)
        once = screen_request(text, P8FS).remainder_without(resolution.spans)
        again = screen_request(resolution.without_phrases(text), P8FS).remainder
        assert tokens(once) == tokens(again), text
