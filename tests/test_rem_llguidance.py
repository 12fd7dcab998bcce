"""The decoding grammar and the parser agree.

Every canonical text the printer produces is accepted by an llguidance matcher
built from the decoding grammar and fed token by token through the real
Qwen2.5 tokenizer; what the catalog, profile or resolved dates forbid is not.
"""

from __future__ import annotations

import llguidance
import pytest
from conftest import rem_md_examples
from hypothesis import HealthCheck, given, settings
from rem_strategies import all_types_catalog, statements

from rem_agent.rem import DecodeSpec, Profile, TimeRange, decode_grammar, default_catalog, render

pytestmark = pytest.mark.model  # the real tokenizer comes from the bundled GGUF

P8FS = default_catalog()
ANY_TYPES = all_types_catalog()


@pytest.fixture(scope="module")
def ll_tokenizer(qwen_tokenizer):  # type: ignore[no-untyped-def]
    return llguidance.LLTokenizer(
        qwen_tokenizer.tokenizer.to_str(), eos_token=qwen_tokenizer.info.eos_token_id
    )


def accepts(ll_tokenizer, qwen_tokenizer, spec: DecodeSpec, text: str) -> bool:  # type: ignore[no-untyped-def]
    grammar = llguidance.LLMatcher.grammar_from_lark(decode_grammar(spec))
    matcher = llguidance.LLMatcher(ll_tokenizer, grammar)
    assert not matcher.is_error(), matcher.get_error()
    tokens = qwen_tokenizer.tokenizer.encode(text, add_special_tokens=False).ids
    for token in tokens:
        if not matcher.consume_token(token):
            return False
    return matcher.is_accepting() and matcher.consume_token(ll_tokenizer.eos_token)


SPECS = {
    "rem": DecodeSpec(catalog=P8FS),
    "p8fs": DecodeSpec(catalog=P8FS, profile=Profile.P8FS),
    "all-types": DecodeSpec(catalog=ANY_TYPES),
    "dated": DecodeSpec(
        catalog=P8FS, time_ranges=(TimeRange(start="2026-11-16", end="2026-11-23"),)
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
def test_printer_output_is_decodable(tree, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert accepts(ll_tokenizer, qwen_tokenizer, SPECS["rem"], render(tree))


@_PROPS
@given(tree=statements(P8FS, Profile.P8FS))
def test_p8fs_printer_output_is_decodable(tree, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert accepts(ll_tokenizer, qwen_tokenizer, SPECS["p8fs"], render(tree))


@_PROPS
@given(tree=statements(ANY_TYPES))
def test_every_field_type_is_decodable(tree, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert accepts(
        ll_tokenizer, qwen_tokenizer, SPECS["all-types"], render(tree, default_table="things")
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
        ("rem", "SELECT * FROM resources WHERE NOT NOT NOT ordinal = 1"),
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
        "SELECT * FROM resources WHERE NOT NOT ordinal = 1",
        "SELECT * FROM resources WHERE NOT (ordinal = 1 AND NOT (name = 'a' OR NOT (name = 'b' AND ordinal = 2)))",
    ],
)
def test_limits_still_allow_their_maximum(text: str, ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    assert accepts(ll_tokenizer, qwen_tokenizer, SPECS["rem"], text)


REQUIRED = DecodeSpec(
    catalog=P8FS,
    time_ranges=(TimeRange(start="2026-11-25", end="2026-11-26"), TimeRange(start="2026-11-23")),
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
