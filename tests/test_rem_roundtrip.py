"""Property tests: print/parse round trips, and no input ever crashes the checker."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rem_strategies import all_types_catalog, statements

from rem_agent.rem import Profile, check_rem, default_catalog, parse_rem, render, validate
from rem_agent.rem.simplify import simplify

P8FS = default_catalog()
ANY_TYPES = all_types_catalog()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(statements(P8FS))
def test_random_trees_round_trip(tree) -> None:  # type: ignore[no-untyped-def]
    text = render(tree)
    assert parse_rem(text) == tree
    assert validate(tree, P8FS, Profile.REM) == []
    # The canonical form drops idempotent repeats (rem.simplify), and is a fixed point.
    canonical = render(simplify(tree))
    assert check_rem(text).canonical == canonical
    assert check_rem(canonical).canonical == canonical
    assert simplify(simplify(tree)) == simplify(tree)


@SETTINGS
@given(statements(P8FS, Profile.P8FS))
def test_random_p8fs_trees_round_trip(tree) -> None:  # type: ignore[no-untyped-def]
    text = render(tree)
    result = check_rem(text, profile=Profile.P8FS)
    assert result.valid, (text, result.errors)
    assert result.tree == simplify(tree)


@SETTINGS
@given(statements(ANY_TYPES))
def test_every_field_type_round_trips(tree) -> None:  # type: ignore[no-untyped-def]
    text = render(tree, default_table="things")
    result = check_rem(text, catalog=ANY_TYPES)
    assert result.valid, (text, result.errors)
    assert result.tree == simplify(tree)
    assert result.canonical == render(simplify(tree), default_table="things")


_REM_PIECES = st.sampled_from(
    [
        "SELECT",
        "*",
        "FROM",
        "resources",
        "moments",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "(",
        ")",
        "LOOKUP",
        "SEARCH",
        "IN",
        "TRAVERSE",
        "WITH",
        "DEPTH",
        "FUZZY",
        "LIMIT",
        "ORDER BY",
        "'",
        '"',
        "\\",
        "=",
        ">=",
        "@>",
        "::jsonb",
        ";",
        "--",
        "/*",
        "1",
        "0.5",
        "created_at",
        "'2026-11-16'",
        '"x"',
        ",",
        " ",
        "\n",
        "\t",
        "\x00",
        "\u202e",
        "é",
    ]
)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.lists(_REM_PIECES, max_size=25).map(" ".join),
        st.lists(_REM_PIECES, max_size=25).map("".join),
    )
)
def test_any_text_gives_a_result_never_an_exception(text: str) -> None:
    result = check_rem(text)
    if result.valid:
        assert result.canonical is not None
        assert check_rem(result.canonical).canonical == result.canonical
    else:
        assert result.errors and all(e.message for e in result.errors)
