"""The canonical form says each thing once: idempotent repeats are dropped (rem.simplify)."""

from __future__ import annotations

import pytest

from rem_agent.rem import check_rem, parse_rem


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (
            "SELECT * FROM sessions WHERE session_type = 'chat' AND session_type = 'chat'",
            "SELECT * FROM sessions WHERE session_type = 'chat'",
        ),
        (
            "SELECT * FROM resources WHERE name = 'a' OR name = 'b' OR name = 'a'",
            "SELECT * FROM resources WHERE name = 'a' OR name = 'b'",
        ),
        (
            "SEARCH \"guide\" IN resources WHERE uri IN ('getting started guide', "
            "'getting started guide', 'faq')",
            "SEARCH \"guide\" IN resources WHERE uri IN ('getting started guide', 'faq')",
        ),
        (
            "SELECT * FROM moments WHERE NOT NOT (NOT NOT ordinal >= 1 AND ordinal >= 1)",
            "SELECT * FROM moments WHERE ordinal >= 1",
        ),
        (
            "SELECT * FROM moments WHERE NOT (NOT ordinal >= 1)",
            "SELECT * FROM moments WHERE ordinal >= 1",
        ),
        (
            "SELECT * FROM resources WHERE NOT NOT NOT name = 'x'",
            "SELECT * FROM resources WHERE NOT name = 'x'",
        ),
        (
            # An OR of two equal groups is the group; the AND around it flattens.
            "SELECT * FROM resources WHERE name = 'a' AND ((name = 'a' AND category = 'b') "
            "OR (name = 'a' AND category = 'b'))",
            "SELECT * FROM resources WHERE name = 'a' AND category = 'b'",
        ),
        (
            'SELECT * FROM moments WHERE topic_tags @> \'["work", "work"]\'::jsonb',
            "SELECT * FROM moments WHERE topic_tags @> '[\"work\"]'::jsonb",
        ),
        ('LOOKUP "Sarah Chen", "Sam", "Sarah Chen"', 'LOOKUP "Sarah Chen", "Sam"'),
        (
            'TRAVERSE manages,manages,reports-to WITH LOOKUP "sally" DEPTH 2',
            'TRAVERSE manages,reports-to WITH LOOKUP "sally" DEPTH 2',
        ),
        (
            "SELECT * FROM resources ORDER BY created_at DESC, name, created_at ASC",
            "SELECT * FROM resources ORDER BY created_at DESC, name",
        ),
    ],
)
def test_repeats_are_dropped(text: str, canonical: str) -> None:
    result = check_rem(text)
    assert result.valid, result.errors
    assert result.canonical == canonical
    assert check_rem(canonical).canonical == canonical


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM resources WHERE name = 'a' AND NOT name = 'a'",  # not a repeat
        "SELECT * FROM resources WHERE name = 'a' OR (name = 'a' AND category = 'b')",
        "SELECT * FROM resources WHERE name IN ('a', 'b') AND name = 'a'",
        "SELECT * FROM resources WHERE name = 'A' AND name = 'a'",  # different literals
    ],
)
def test_what_only_looks_alike_is_kept(text: str) -> None:
    assert check_rem(text).tree == parse_rem(text)
