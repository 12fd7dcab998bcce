"""What a request lets the decoder write (rem_agent.translate.spec); the grammar side of it
runs through llguidance in test_rem_llguidance.py."""

from __future__ import annotations

from datetime import datetime

import pytest
from specs import spec_of

from rem_agent.interval import Interval
from rem_agent.rem import Profile, decode_grammar, default_catalog
from rem_agent.rem.decode_spec import DecodeSpec
from rem_agent.translate.review import search_without_topic
from rem_agent.translate.spec import (
    MAX_WORDS,
    named_enum_values,
    named_time_fields,
    names_kind,
    names_value,
    request_words,
)

NOW = datetime(2026, 11, 26, 10, 30)
P8FS = default_catalog()


def spec_for(text: str, profile: Profile = Profile.REM) -> DecodeSpec:
    return spec_of(text, profile, now=NOW)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("who is priya patel", {"priya", "Priya", "Patel", "patel"}, {"PRIYA"}),
        ("WHO IS ANNA SCHMIDT", {"SCHMIDT", "Schmidt", "schmidt"}, {"SchmIDT"}),
        ("Olivia's manager", {"Olivia", "Olivia's", "manager"}, {"s"}),
        ("who's Dr. Alvarez?", {"Dr.", "Dr", "Alvarez"}, {"Alvarez?"}),
        ("notes re: the offsite, agenda!", {"re", "offsite", "agenda"}, {"re:", "agenda!"}),
        (
            "kafka-streams on ci/cd",
            {"kafka-streams", "kafka", "streams", "ci/cd", "ci", "cd"},
            set(),
        ),
        ("anything tagged #urgent", {"#urgent", "urgent"}, set()),
        ('say "hi" \\ there', {"hi", "say", "there"}, {'"hi"', "\\"}),
    ],
)
def test_request_words(text: str, present: set[str], absent: set[str]) -> None:
    words = set(request_words(text))
    assert present <= words
    assert not absent & words


def test_request_words_are_bounded_and_distinct() -> None:
    words = request_words(" ".join(f"w{i}" for i in range(500)))
    assert len(words) == len(set(words))
    assert {w.lower() for w in words} == {f"w{i}" for i in range(MAX_WORDS)}


def test_date_phrases_are_not_words() -> None:
    spec = spec_for("kafka notes from last week")
    assert spec.words is not None
    assert "kafka" in spec.words
    assert not {"last", "week"} & set(spec.words)
    assert spec.require_time
    assert spec.time_ranges == (
        Interval(text="from last week", start="2026-11-16", end="2026-11-23"),
    )


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("notes from last week", set()),
        ("files uploaded last week", {("files", "upload_timestamp")}),
        ("last 10 uploads", {("files", "upload_timestamp")}),
        ("docs edited this month", {(t, "updated_at") for t in P8FS.table_names}),
        ("unfinished sessions", {("sessions", "session_completed_at")}),
        (
            "chats that ended this morning",
            {("sessions", "session_completed_at"), ("moments", "resource_ends_timestamp")},
        ),
        ("files reuploaded", set()),  # whole words only
    ],
)
def test_named_time_fields(text: str, named: set[tuple[str, str]]) -> None:
    assert named_time_fields(text, P8FS) == named


def test_a_request_of_only_dates_leaves_only_select() -> None:
    grammar = decode_grammar(spec_for("last week"))
    statement = next(line for line in grammar.splitlines() if line.startswith("statement:"))
    assert statement == "statement: select"


def test_without_words_the_grammar_has_no_free_text_terminal() -> None:
    grammar = decode_grammar(spec_for("kafka"))
    dq = next(line for line in grammar.splitlines() if line.startswith("DQSTRING:"))
    assert "kafka" in dq and "Kafka" in dq
    assert "[^" not in dq.split("&")[0]  # only the cap intersects with a character class


def test_equal_requests_give_equal_specs() -> None:
    assert spec_for("kafka notes last week") == spec_for("kafka notes last week")
    assert hash(spec_for("a b")) == hash(spec_for("a b"))


@pytest.mark.parametrize(
    ("word", "value", "names"),
    [
        ("meetings", "meeting", True),
        ("mettings", "meeting", True),  # a typo
        ("meetngs", "meeting", True),
        ("learn", "learning", True),
        ("convo", "conversation", True),
        ("solving", "problem_solving", True),
        ("socializing", "social", True),
        ("notes", "meeting", False),
        ("do", "social", False),
        ("kafka", "coding", False),
    ],
)
def test_names_value(word: str, value: str, names: bool) -> None:
    assert names_value(word, value) is names


def test_named_enum_values() -> None:
    assert named_enum_values("what did i do yesterday", P8FS) == frozenset()
    assert named_enum_values("meetings or convos", P8FS) == {
        ("moments", "moment_type", "meeting"),
        ("moments", "moment_type", "conversation"),
    }


def test_an_enum_field_without_a_named_value_cannot_be_written() -> None:
    grammar = decode_grammar(spec_for("what did i do yesterday"))
    assert "'meeting'" not in grammar
    assert '"moment_type" _S "IS"' not in grammar
    assert '"moment_type" _S' in decode_grammar(spec_for("meetings yesterday"))


def test_filler_words_are_not_words() -> None:
    assert not {"anything", "Anything", "stuff"} & set(request_words("anything about stuff"))


def test_text_values_come_from_the_request_unless_the_field_takes_any_value() -> None:
    grammar = decode_grammar(spec_for("recipes in the kitchen"))
    sq = next(line for line in grammar.splitlines() if line.startswith("SQWORDS:"))
    assert "recipe" in sq and "kitchen" in sq  # "recipes" gives its singular too
    assert '"mime_type" _S ("=" | "!=" | "<" | "<=" | ">" | ">=") _S SQSTRING' in grammar
    assert '"location" _S ("=" | "!=" | "<" | "<=" | ">" | ">=") _S SQWORDS' in grammar


@pytest.mark.parametrize(
    ("word", "table", "names"),
    [
        ("meetings", "moments", True),
        ("Reflections", "moments", True),
        ("moments", "moments", True),
        ("notes", "resources", True),  # a table alias in the catalog
        ("files", "files", True),
        ("meetings", "resources", False),
        ("kafka", "moments", False),
    ],
)
def test_names_kind(word: str, table: str, names: bool) -> None:
    spec = P8FS.table(table)
    assert spec is not None
    assert names_kind(word, spec) is names


@pytest.mark.parametrize(
    ("query", "topicless"),
    [
        ('SEARCH "meetings" IN moments', True),
        ('SEARCH "notes" IN resources', True),
        ('SEARCH "meetings" IN resources', False),
        ('SEARCH "hiring meetings" IN moments', False),
        ('SEARCH "machine learning" IN moments', False),
    ],
)
def test_search_without_topic(query: str, topicless: bool) -> None:
    from rem_agent.rem.check import check_rem

    tree = check_rem(query, catalog=P8FS).tree
    assert search_without_topic(tree, P8FS) is topicless  # type: ignore[arg-type]


def test_names_joined_by_a_hyphen_or_apostrophe_get_their_title_case() -> None:
    """ "whos mohammed al-farsi" must be able to become LOOKUP "Mohammed Al-Farsi"."""
    from rem_agent.translate.spec import request_words

    assert "Al-Farsi" in request_words("whos mohammed al-farsi")
    assert "O'Neill" in request_words("siobhán o'neill")
    assert "Jean-Luc" in request_words("jean-luc picard")
    assert "Sarah'S" not in request_words("sarah's notes")
