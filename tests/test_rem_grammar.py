"""The grammar files: rem.lark parses loosely, rem.decode.lark decodes canonical text."""

from __future__ import annotations

import itertools
import re

import llguidance
import pytest
from lark import Lark

from rem_agent.interval import Interval
from rem_agent.rem import DecodeSpec, Profile, decode_grammar, default_catalog
from rem_agent.rem.grammar import grammar_source, parse_grammar
from rem_agent.resources import data_dir

SHORT_WORDS = ["".join(p) for n in range(1, 6) for p in itertools.product("witha-", repeat=n)]
_BYTES = llguidance.LLTokenizer("byte")


def _matcher(spec: DecodeSpec) -> llguidance.LLMatcher:
    grammar = llguidance.LLMatcher.grammar_from_lark(decode_grammar(spec))
    matcher = llguidance.LLMatcher(_BYTES, grammar)
    assert not matcher.is_error(), matcher.get_error()
    return matcher


def _decodes(compiled: llguidance.LLMatcher, text: str) -> bool:
    matcher = compiled.deep_copy()
    return bool(matcher.consume_tokens(_BYTES.tokenize_str(text)) and matcher.is_accepting())


@pytest.mark.parametrize(
    ("profile", "allowed"),
    [
        (Profile.REM, lambda edge: edge != "with"),  # WITH is the keyword after the edges
        (Profile.P8FS, lambda edge: "with" not in edge),  # p8fs splits a TRAVERSE at "with"
    ],
)
def test_edge_names_are_what_each_profile_allows(profile: Profile, allowed) -> None:  # type: ignore[no-untyped-def]
    compiled = _matcher(DecodeSpec(catalog=default_catalog(), profile=profile))
    for edge in SHORT_WORDS:
        query = f'TRAVERSE {edge} WITH LOOKUP "x"'
        assert _decodes(compiled, query) is allowed(edge), query


def test_the_decode_grammar_file_is_holes_and_llguidance_syntax() -> None:
    source = (data_dir("grammar") / "rem.decode.lark").read_text("utf-8")
    sections = re.findall(r"^//%% (\w+)$", source, re.M)
    assert sections == ["statements", "table", "level", "predicates"]
    assert "{0,${more_items}}" in source and "& ~/" in source  # llguidance's own syntax
    grammar = decode_grammar(DecodeSpec(catalog=default_catalog()))
    assert "${" not in grammar and "//" not in grammar  # every hole filled, no comments


def test_source_stays_inside_the_common_dialect() -> None:
    source = grammar_source()
    for banned in ("%override", "%declare", "%import", "(?=", "(?!", "(?<", "{", "._", ".1"):
        code = "\n".join(line.split("//")[0] for line in source.splitlines())
        assert banned not in code, banned
    assert not re.search(r"^\w+\.\d+\s*:", source, re.M), "no priorities"


def test_parse_grammar_is_case_insensitive_and_loose() -> None:
    text = parse_grammar()
    assert '"SELECT"i' in text and "%ignore" in text and "_S" not in text
    Lark(text, parser="lalr")  # builds without conflicts


@pytest.mark.parametrize("profile", list(Profile))
def test_decode_grammar_is_canonical_and_specialised(profile: Profile) -> None:
    spec = DecodeSpec(
        catalog=default_catalog(),
        profile=profile,
        time_ranges=(Interval(start="2026-11-16", end="2026-11-23"),),
    )
    text = decode_grammar(spec)
    assert "%ignore" not in text and not re.search(r'[A-Z]"i\b', text)
    assert '"topic_tags"' in text and '"tags"' not in text
    assert "'2026-11-16'" in text and "'2026-11-23'" in text
    assert ("fuzzy" in text) is (profile is Profile.REM)
    assert decode_grammar(spec) is text  # compiled once per distinct spec


def test_no_dates_means_no_timestamp_comparisons() -> None:
    text = decode_grammar(DecodeSpec(catalog=default_catalog(), time_ranges=()))
    assert '"created_at" _S "IS"' in text
    assert not re.search(r'"created_at" _S \(?"(>=|<|=)', text)
