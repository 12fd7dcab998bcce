"""The REPL's Pygments lexer follows the grammar: every keyword, every REM.md example."""

from __future__ import annotations

import re

import lark
import pytest
from conftest import rem_md_examples
from pygments.token import Error, Keyword, Literal, Name, Number, String

from rem_agent.rem.grammar import grammar_source, parse_grammar
from rem_agent.repl.lexer import grammar_keywords, lex, statement_keywords


def _lark_keywords() -> set[str]:
    """Keywords as Lark itself compiles them (a second derivation to check the first)."""
    words: set[str] = set()
    for terminal in lark.Lark(parse_grammar(), parser="lalr").terminals:
        pattern = terminal.pattern
        if isinstance(pattern, lark.lexer.PatternStr) and pattern.value.isalpha():
            words.add(pattern.value.upper())
        elif isinstance(pattern, lark.lexer.PatternRE):
            # Named terminals made only of keyword alternatives, such as DIRECTION.
            alts = re.findall(r"\(\?i:([A-Z]+)\)", pattern.value)
            if alts and re.fullmatch(r"\(\?:(\(\?i:[A-Z]+\)\|?)+\)", pattern.value):
                words.update(alts)
    return words


def test_keywords_match_what_lark_compiles() -> None:
    assert set(grammar_keywords()) == _lark_keywords()
    assert {"LOOKUP", "SEARCH", "WHERE", "ASC", "DESC", "ILIKE", "NULL"} <= set(grammar_keywords())


def test_statement_keywords_are_the_five_statements() -> None:
    assert set(statement_keywords()) == {"LOOKUP", "SEARCH", "FUZZY", "TRAVERSE", "SELECT"}


@pytest.mark.parametrize(
    "word", sorted(re.findall(r'"([A-Z]+)"', re.sub(r"//.*", "", grammar_source())))
)
@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_every_grammar_keyword_is_highlighted_as_a_keyword(word: str, case) -> None:  # type: ignore[no-untyped-def]
    tokens = [(t, v) for t, v in lex(f"x {case(word)} y") if v.strip()]
    assert tokens[1] == (Keyword, case(word))


@pytest.mark.parametrize("rem", [e["rem"] for e in rem_md_examples()])
def test_rem_md_examples_lex_without_errors_and_round_trip(rem: str) -> None:
    tokens = lex(rem)
    assert "".join(v for _, v in tokens) == rem
    assert not [v for t, v in tokens if t in Error]
    assert tokens[0] == (Keyword, rem.split()[0])


def test_token_kinds_come_from_the_terminals() -> None:
    tokens = dict(
        (v, t)
        for t, v in lex(
            "SELECT * FROM moments WHERE moment_type = 'meeting' AND resource_timestamp >= "
            "'2026-11-23T00:00:00-05:00' AND ordinal < -2.5 ORDER BY created_at DESC LIMIT 5"
        )
    )
    assert tokens["moments"] in Name and tokens["moment_type"] in Name
    assert tokens["'meeting'"] in String.Single
    assert tokens["'2026-11-23T00:00:00-05:00'"] in Literal.Date
    assert tokens["-2.5"] in Number and tokens["5"] in Number
    assert tokens["DESC"] in Keyword


def test_keyword_prefix_of_a_name_is_a_name() -> None:
    tokens = [(t, v) for t, v in lex("SELECT * FROM files WHERE intent IS NULL") if v.strip()]
    assert (Name, "intent") in tokens and (Keyword, "IS") in tokens


def test_traverse_edges_are_edge_tokens_until_with() -> None:
    tokens = [
        (t, v)
        for t, v in lex('TRAVERSE manages,reports-to WITH LOOKUP "Sally" DEPTH 2')
        if v.strip()
    ]
    assert tokens[1] == (Name.Tag, "manages")
    assert tokens[3] == (Name.Tag, "reports-to")
    assert tokens[4] == (Keyword, "WITH")
    assert tokens[6][0] in String.Double
