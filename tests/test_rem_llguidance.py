"""The decoding grammar and the parser agree.

Every canonical text the printer produces is accepted by an llguidance matcher
built from the decoding grammar and fed token by token through the real
Qwen2.5 tokenizer; what the catalog, profile or resolved dates forbid is not.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import llguidance
import llguidance.numpy
import pytest
from conftest import rem_md_examples
from hypothesis import HealthCheck, given, settings
from rem_strategies import all_types_catalog, statements
from specs import spec_of

from rem_agent.engines.constraint import GrammarCache, parser_limits
from rem_agent.interval import Interval
from rem_agent.rem import DecodeSpec, Profile, decode_grammar, default_catalog, render
from rem_agent.rem.simplify import simplify

pytestmark = pytest.mark.model  # the real tokenizer comes from the bundled GGUF

P8FS = default_catalog()
ANY_TYPES = all_types_catalog()


def accepts(ll_tokenizer, qwen_tokenizer, spec: DecodeSpec, text: str) -> bool:  # type: ignore[no-untyped-def]
    grammar = llguidance.LLMatcher.grammar_from_lark(decode_grammar(spec))
    matcher = llguidance.LLMatcher(ll_tokenizer, grammar, limits=parser_limits())
    assert not matcher.is_error(), matcher.get_error()
    tokens = qwen_tokenizer.tokenizer.encode(text, add_special_tokens=False).ids
    mask = llguidance.numpy.allocate_token_bitmask(1, ll_tokenizer.vocab_size)
    for token in tokens:
        # As the decoder does: the mask first (its lexer has a work budget), then the token.
        llguidance.numpy.fill_next_token_bitmask(matcher, mask, 0)
        assert not matcher.is_error(), matcher.get_error()
        if not matcher.consume_token(token):
            return False
    return matcher.is_accepting() and matcher.consume_token(ll_tokenizer.eos_token)


SPECS = {
    "rem": DecodeSpec(catalog=P8FS),
    "p8fs": DecodeSpec(catalog=P8FS, profile=Profile.P8FS),
    "all-types": DecodeSpec(catalog=ANY_TYPES),
    "dated": DecodeSpec(
        catalog=P8FS, time_ranges=(Interval(start="2026-11-16", end="2026-11-23"),)
    ),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_grammar_compiles_in_llguidance(name: str, ll_tokenizer) -> None:  # type: ignore[no-untyped-def]
    grammar = llguidance.LLMatcher.grammar_from_lark(decode_grammar(SPECS[name]))
    is_error, warnings = llguidance.LLMatcher.validate_grammar_with_warnings(grammar, ll_tokenizer)
    assert not is_error, warnings
    assert not llguidance.LLMatcher(ll_tokenizer, grammar).is_error()


@pytest.mark.parametrize("example", rem_md_examples(), ids=lambda e: str(e["rem"])[:40])
def test_rem_md_examples_are_decodable(example, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    text = str(example["rem"])
    assert accepts(ll_tokenizer, qwen_tokenizer, SPECS["rem"], text)
    assert accepts(ll_tokenizer, qwen_tokenizer, SPECS["p8fs"], text) is example["p8fs"]


_PROPS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@_PROPS
@given(tree=statements(P8FS))
def test_canonical_output_is_decodable(tree, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert accepts(ll_tokenizer, qwen_tokenizer, SPECS["rem"], render(simplify(tree)))


@_PROPS
@given(tree=statements(P8FS, Profile.P8FS))
def test_p8fs_canonical_output_is_decodable(tree, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert accepts(ll_tokenizer, qwen_tokenizer, SPECS["p8fs"], render(simplify(tree)))


@_PROPS
@given(tree=statements(ANY_TYPES))
def test_every_field_type_is_decodable(tree, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert accepts(
        ll_tokenizer,
        qwen_tokenizer,
        SPECS["all-types"],
        render(simplify(tree), default_table="things"),
    )


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ("rem", "SELECT * FROM resources WHERE tags = 'x'"),  # unknown field
        ("rem", "SELECT * FROM resources WHERE created_at = 'yesterday'"),  # text vs timestamp
        ("rem", "SELECT * FROM resources WHERE name @> '[\"x\"]'::jsonb"),  # tag test on text
        ("rem", "SELECT * FROM moments WHERE moment_type = 'meating'"),  # not an enum value
        ("rem", "SELECT * FROM files WHERE file_size = 'big'"),  # string vs int
        ("rem", 'SEARCH "x" IN resources; DROP TABLE resources'),
        ("rem", 'search "x" in resources'),  # not canonical
        ("rem", 'SEARCH "x"  IN resources'),  # not canonical
        ("rem", 'SEARCH "x"'),  # canonical SEARCH prints IN
        ("rem", 'TRAVERSE with WITH LOOKUP "x" DEPTH 1'),
        ("rem", 'LOOKUP ""'),
        ("rem", 'LOOKUP "a\u202eb"'),
        ("p8fs", 'FUZZY "x"'),
        ("p8fs", 'SEARCH "x" IN resources LIMIT 3'),
        ("p8fs", 'LOOKUP "a:b"'),
        ("p8fs", 'TRAVERSE works-with WITH LOOKUP "x" DEPTH 1'),
        ("p8fs", "SELECT * FROM resources WHERE name ILIKE '%a%'"),
        ("dated", "SEARCH \"x\" IN resources WHERE created_at >= '2026-11-17'"),  # invented date
        ("dated", "SEARCH \"x\" IN resources WHERE created_at > '2026-11-16'"),  # wrong operator
        ("dated", "SEARCH \"x\" IN resources WHERE created_at >= '2026-11-23'"),  # end as start
        # DecodeLimits: a looping model must come out of every string, list and chain.
        ("rem", "LOOKUP " + ", ".join(f'"k{i}"' for i in range(9))),
        ("rem", 'SEARCH "' + "x" * 101 + '" IN resources'),
        ("rem", "TRAVERSE " + "e" * 41 + ' WITH LOOKUP "x" DEPTH 1'),
        ("rem", 'TRAVERSE a,b,c,d,e WITH LOOKUP "x" DEPTH 1'),
        ("p8fs", 'TRAVERSE without WITH LOOKUP "x" DEPTH 1'),
        ("rem", "SELECT * FROM resources WHERE " + " AND ".join(["ordinal = 1"] * 7)),
        ("rem", "SELECT * FROM resources WHERE NOT NOT ordinal = 1"),  # canonical: no NOT NOT
        ("rem", "SELECT * FROM resources WHERE ((((ordinal = 1))))"),
    ],
)
def test_grammar_forbids(spec: str, text: str, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert not accepts(ll_tokenizer, qwen_tokenizer, SPECS[spec], text)


@pytest.mark.parametrize(
    "text",
    [
        "LOOKUP " + ", ".join(f'"k{i}"' for i in range(8)),
        'SEARCH "' + "x" * 100 + '" IN resources',
        "TRAVERSE " + "e" * 40 + ',a,b,c WITH LOOKUP "x" DEPTH 1',
        "SELECT * FROM resources WHERE " + " AND ".join(["ordinal = 1"] * 6),
        "SELECT * FROM resources WHERE NOT ordinal = 1",
        "SELECT * FROM resources WHERE NOT (ordinal = 1 AND NOT (name = 'a' OR NOT (name = 'b' AND ordinal = 2)))",
    ],
)
def test_limits_still_allow_their_maximum(text: str, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert accepts(ll_tokenizer, qwen_tokenizer, SPECS["rem"], text)


REQUIRED = DecodeSpec(
    catalog=P8FS,
    time_ranges=(Interval(start="2026-11-25", end="2026-11-26"), Interval(start="2026-11-23")),
    require_time=True,
)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (
            "SELECT * FROM moments WHERE moment_type = 'meeting' AND resource_timestamp >= '2026-11-25' AND resource_timestamp < '2026-11-26'",
            True,
        ),
        (
            "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-25' AND created_at < '2026-11-26' LIMIT 3",
            True,
        ),
        (
            "SELECT * FROM moments WHERE topic_tags @> '[\"work\"]'::jsonb AND resource_timestamp >= '2026-11-23'",
            True,
        ),
        (
            "SELECT * FROM files WHERE (mime_type = 'a' OR mime_type = 'b') AND upload_timestamp >= '2026-11-23' ORDER BY upload_timestamp DESC",
            True,
        ),
        ('SEARCH "kafka" IN resources', False),  # the named time was dropped
        ('LOOKUP "Sarah"', False),
        ("SELECT * FROM resources WHERE created_at >= '2026-11-25'", False),  # half a range
        (
            "SELECT * FROM resources WHERE created_at >= '2026-11-25' AND created_at < '2026-11-26' AND name = 'x'",
            False,
        ),  # time not last
        (
            "SELECT * FROM resources WHERE name = 'x' OR created_at >= '2026-11-23'",
            False,
        ),  # OR escapes the time
    ],
)
def test_required_time_filter(text: str, ok: bool, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert accepts(ll_tokenizer, qwen_tokenizer, REQUIRED, text) is ok


def test_required_time_is_ignored_where_search_cannot_filter(ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    p8fs = REQUIRED.model_copy(update={"profile": Profile.P8FS})
    assert accepts(ll_tokenizer, qwen_tokenizer, p8fs, 'SEARCH "kafka" IN resources')


def test_dated_grammar_allows_only_resolved_boundaries(ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    ok = "SEARCH \"x\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'"
    assert accepts(ll_tokenizer, qwen_tokenizer, SPECS["dated"], ok)
    no_dates = DecodeSpec(catalog=P8FS, time_ranges=())
    assert not accepts(ll_tokenizer, qwen_tokenizer, no_dates, ok)
    assert accepts(ll_tokenizer, qwen_tokenizer, no_dates, 'SEARCH "x" IN resources')


# ---------------------------------------------------------------- one request's grammar
# `rem_agent.translate.spec` narrows the grammar to the request's words and time fields.

NOW = datetime(2026, 11, 26, 10, 30)


def request_spec(text: str, profile: Profile = Profile.REM) -> DecodeSpec:
    return spec_of(text, profile, now=NOW)


@pytest.mark.parametrize(
    ("request_text", "text", "ok"),
    [
        (
            "kafka notes from last week",
            "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'",
            True,
        ),
        # the date phrase is not topic text
        (
            "kafka notes from last week",
            "SEARCH \"kafka last week\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'",
            False,
        ),
        ("who is priya patel", 'LOOKUP "Priya Patel"', True),
        ("who is priya patel", 'LOOKUP "priya patel"', True),
        ("WHO IS ANNA SCHMIDT", 'LOOKUP "Anna Schmidt"', True),
        ("WHO IS ANNA SCHMIDT", 'LOOKUP "Anna SchmIDT"', False),
        ("anything called kuberntes", 'SEARCH "kuberntes" IN resources', True),
        (
            "anything called kuberntes",
            'SEARCH "kubernetes" IN resources',
            False,
        ),  # no invented words
        ("Olivia's manager", 'TRAVERSE reports-to WITH LOOKUP "Olivia" DEPTH 1', True),
        ("who's Dr. Alvarez?", 'LOOKUP "Dr. Alvarez"', True),
        ("notes on ci/cd and c++", 'SEARCH "ci/cd c++" IN resources', True),
        (
            "stuff tagged travel",
            "SELECT * FROM moments WHERE topic_tags @> '[\"travel\"]'::jsonb",
            True,
        ),
        (
            "stuff tagged travel",
            "SELECT * FROM moments WHERE topic_tags @> '[\"trip\"]'::jsonb",
            False,
        ),
        (
            "anything tagged #urgent",
            "SELECT * FROM moments WHERE topic_tags @> '[\"urgent\"]'::jsonb",
            True,
        ),
        # the table's default time field unless the request names another
        (
            "docs on gdpr this month",
            "SEARCH \"gdpr\" IN resources WHERE created_at >= '2026-11-01' AND created_at < '2026-12-01'",
            True,
        ),
        (
            "docs on gdpr this month",
            "SEARCH \"gdpr\" IN resources WHERE updated_at >= '2026-11-01' AND updated_at < '2026-12-01'",
            False,
        ),
        (
            "resources changed since monday",
            "SELECT * FROM resources WHERE updated_at >= '2026-11-23'",
            True,
        ),
        (
            "resources changed since monday",
            "SELECT * FROM resources WHERE created_at >= '2026-11-23'",
            False,
        ),
        ("oldest files", "SELECT * FROM files ORDER BY upload_timestamp ASC", True),
        ("oldest files", "SELECT * FROM files ORDER BY created_at ASC", False),
        ("top rated sessions", "SELECT * FROM sessions ORDER BY user_rating DESC", True),
        # null checks on a time field only where the request names it
        (
            "anything on rust async",
            'SEARCH "rust async" IN resources WHERE created_at IS NOT NULL',
            False,
        ),
        (
            "last 5 completed sessions",
            "SELECT * FROM sessions WHERE session_completed_at IS NOT NULL ORDER BY session_completed_at DESC LIMIT 5",
            True,
        ),
        ("unfinished sessions", "SELECT * FROM sessions WHERE session_completed_at IS NULL", True),
        ("sessions with no rating", "SELECT * FROM sessions WHERE user_rating IS NULL", True),
        # enum values only where the request names them
        ("all my mettings", "SELECT * FROM moments WHERE moment_type = 'meeting'", True),
        (
            "problem solving moments",
            "SELECT * FROM moments WHERE moment_type = 'problem_solving'",
            True,
        ),
        (
            "what did i do yesterday",
            "SELECT * FROM moments WHERE moment_type = 'meeting' AND resource_timestamp >= '2026-11-25' AND resource_timestamp < '2026-11-26'",
            False,
        ),
        (
            "meetings or conversations",
            "SELECT * FROM moments WHERE moment_type IN ('meeting', 'conversation')",
            True,
        ),
        (
            "meetings or conversations",
            "SELECT * FROM moments WHERE moment_type IN ('meeting', 'planning')",
            False,
        ),
        # text values are the request's words, except where the catalog says any value
        ("moments in the kitchen", "SELECT * FROM moments WHERE location = 'kitchen'", True),
        ("moments in the kitchen", "SELECT * FROM moments WHERE location = 'home'", False),
        ("my bookmarks", "SELECT * FROM resources WHERE category = 'bookmark'", True),
        (
            "resources with names like invoice",
            "SELECT * FROM resources WHERE name ILIKE '%invoice%'",
            True,
        ),
        ("pdf files", "SELECT * FROM files WHERE mime_type = 'application/pdf'", True),
        ("o'brien's notes", "SELECT * FROM resources WHERE name = 'o''brien'", True),
        # a required time is written once, at the end
        (
            "moments earlier this week",
            "SELECT * FROM moments WHERE resource_timestamp < '2026-11-26' AND resource_timestamp >= '2026-11-23' AND resource_timestamp < '2026-11-26'",
            False,
        ),
        ("anything about stuff", 'SEARCH "anything" IN resources', False),
        # nothing but a date: no text to quote, so only SELECT
        (
            "last week",
            "SELECT * FROM resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'",
            True,
        ),
        (
            "last week",
            "SEARCH \"week\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'",
            False,
        ),
        ("???", "SELECT * FROM resources", True),
        ("???", 'LOOKUP "???"', False),
    ],
)
def test_request_grammar(
    request_text: str, text: str, ok: bool, ll_tokenizer, qwen_tokenizer
) -> None:  # type: ignore[no-untyped-def]
    assert accepts(ll_tokenizer, qwen_tokenizer, request_spec(request_text), text) is ok


def test_p8fs_lookup_keys_still_refuse_its_forbidden_characters(
    ll_tokenizer, qwen_tokenizer
) -> None:  # type: ignore[no-untyped-def]
    spec = request_spec("who is a:b and c", Profile.P8FS)
    assert not accepts(ll_tokenizer, qwen_tokenizer, spec, 'LOOKUP "a:b"')
    assert accepts(ll_tokenizer, qwen_tokenizer, spec, 'LOOKUP "c"')


def test_a_retry_without_search(ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    spec = request_spec("show reflections").model_copy(update={"search": False})
    assert not accepts(ll_tokenizer, qwen_tokenizer, spec, 'SEARCH "reflections" IN moments')
    ok = "SELECT * FROM moments WHERE moment_type = 'reflection'"
    assert accepts(ll_tokenizer, qwen_tokenizer, spec, ok)


def _dev_cases() -> list[dict[str, object]]:
    path = Path(__file__).parents[1] / "eval" / "devset.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("case", _dev_cases(), ids=lambda c: str(c["id"]))
def test_every_dev_answer_is_decodable_from_its_request(case, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    """The specialisation never rules out the right answer: each dev case's expected REM,
    or one of its equally correct alternatives, fits the grammar built from its request."""
    spec = spec_of(
        str(case["nl"]),
        str(case["profile"]),
        now=datetime.fromisoformat(str(case["now"])),
        tz=str(case["tz"]),
    )
    answers = [case["expected"], *case["accept"]]  # type: ignore[misc]
    assert any(accepts(ll_tokenizer, qwen_tokenizer, spec, str(a)) for a in answers)


@pytest.mark.parametrize(
    "text", ["resources in category update", "notes on the drop-off create alter policy"]
)
def test_p8fs_grammars_with_refused_words_compile(text: str, ll_tokenizer) -> None:  # type: ignore[no-untyped-def]
    """Excluding p8fs's refused words from literals once ran out of llguidance's default
    lexer fuel ("lexer precomputation failed"): the engines' cache compiles these."""
    cache = GrammarCache(ll_tokenizer, 4)
    matcher = cache.matcher(grammar=decode_grammar(request_spec(text, Profile.P8FS)))
    assert not matcher.is_error()


@pytest.mark.parametrize(
    ("request_text", "allowed", "refused"),
    [
        (
            "files over 30mb",
            "SELECT * FROM files WHERE file_size > 30000000",
            "SELECT * FROM files WHERE file_size > 3000000",
        ),
        (
            "pdfs above 20 mb",
            "SELECT * FROM files WHERE mime_type = 'application/pdf' AND file_size > 20000000",
            "SELECT * FROM files WHERE mime_type = 'application/pdf' AND file_size > 2000000000",
        ),
        (
            "files between 100 and 200 mb",
            "SELECT * FROM files WHERE file_size BETWEEN 100000000 AND 200000000",
            "SELECT * FROM files WHERE file_size BETWEEN 100 AND 200000000",
        ),
        (
            "my 5 most recent uploads",
            "SELECT * FROM files ORDER BY upload_timestamp DESC LIMIT 5",
            "SELECT * FROM files ORDER BY upload_timestamp DESC LIMIT 50",
        ),
        (
            "the most recent session",
            "SELECT * FROM sessions ORDER BY created_at DESC LIMIT 1",
            "SELECT * FROM sessions ORDER BY created_at DESC LIMIT 10",
        ),
    ],
)
def test_only_the_quantities_read_can_be_written(  # type: ignore[no-untyped-def]
    ll_tokenizer, qwen_tokenizer, request_text: str, allowed: str, refused: str
) -> None:
    """A size or count the request names is computed, not guessed: the grammar of the
    request admits its value and no other, token by token with the real tokenizer."""
    spec = spec_of(request_text)
    assert spec.sizes or spec.counts
    assert accepts(ll_tokenizer, qwen_tokenizer, spec, allowed)
    assert not accepts(ll_tokenizer, qwen_tokenizer, spec, refused)


def test_without_a_quantity_any_number_is_allowed(ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    spec = spec_of("biggest files")
    assert spec.sizes is None and spec.counts is None
    for limit in ("LIMIT 3", "LIMIT 250"):
        text = f"SELECT * FROM files ORDER BY file_size DESC {limit}"
        assert accepts(ll_tokenizer, qwen_tokenizer, spec, text)
