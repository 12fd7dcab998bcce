"""The grammar builder: one source, two modes, and regexes that mean what they say."""

from __future__ import annotations

import itertools
import re

import pytest
from lark import Lark

from rem_agent.rem import DecodeSpec, Profile, TimeRange, decode_grammar, default_catalog
from rem_agent.rem.grammar import (
    edge_regex_excluding_word,
    edge_regex_without_substring,
    grammar_source,
    parse_grammar,
)

SHORT_WORDS = ["".join(p) for n in range(1, 6) for p in itertools.product("witha-", repeat=n)]


def test_edge_regex_without_substring_matches_brute_force() -> None:
    rx = re.compile(f"^{edge_regex_without_substring('with')}$")
    for word in SHORT_WORDS:
        assert bool(rx.match(word)) is ("with" not in word), word


def test_edge_regex_excluding_word_matches_brute_force() -> None:
    rx = re.compile(f"^{edge_regex_excluding_word('with')}$")
    for word in SHORT_WORDS:
        assert bool(rx.match(word)) is (word != "with"), word


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
        time_ranges=(TimeRange(start="2026-11-16", end="2026-11-23"),),
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
