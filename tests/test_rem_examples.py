"""Every REM example of REM.md parses, prints canonically, and obeys §2's profiles."""

from __future__ import annotations

import re

import pytest
from conftest import REM_MD, rem_md_examples

from rem_agent.rem import Profile, check_rem

EXAMPLES = rem_md_examples()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: str(e["rem"])[:40])
def test_example_is_canonical(example: dict[str, object]) -> None:
    result = check_rem(str(example["rem"]))
    assert result.valid, result.errors
    assert result.canonical == example["rem"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: str(e["rem"])[:40])
def test_example_under_p8fs_profile(example: dict[str, object]) -> None:
    result = check_rem(str(example["rem"]), profile=Profile.P8FS)
    assert result.valid is example["p8fs"]
    if not result.valid:
        # §2: the result says plainly which part the profile lacks.
        assert "p8fs profile has no" in result.errors[0].message


@pytest.mark.skipif(not REM_MD.exists(), reason="../shared/REM.md is not beside this checkout")
def test_vendored_examples_match_rem_md() -> None:
    """The list above is REM.md's own: every concrete backticked statement in it."""
    text = REM_MD.read_text()
    found = []
    for snippet in re.findall(r"`([^`]+)`", text):
        is_statement = re.match(r"(LOOKUP|SEARCH|FUZZY|TRAVERSE|SELECT) ", snippet)
        is_template = re.search(r"\[(?!\")|\.\.\.| IN table$", snippet)
        if is_statement and not is_template:
            found.append(snippet.replace("\\|", "|"))
    assert found, "no examples found in REM.md"
    assert sorted(set(found)) == sorted({str(e["rem"]) for e in EXAMPLES})


@pytest.mark.parametrize(
    ("loose", "canonical"),
    [
        ('lookup "Sarah Chen"', 'LOOKUP "Sarah Chen"'),
        ('  LOOKUP   "Sarah" ,"Mike"  ', 'LOOKUP "Sarah", "Mike"'),
        ('search "TiDB migration"', 'SEARCH "TiDB migration" IN resources'),
        (
            "Select *\n  From FILES\n  order by upload_timestamp desc limit 5",
            "SELECT * FROM files ORDER BY upload_timestamp DESC LIMIT 5",
        ),
        (
            'traverse reports-to with lookup "Sally"',
            'TRAVERSE reports-to WITH LOOKUP "Sally" DEPTH 1',
        ),
        (
            'TRAVERSE WITH SEARCH "api design" IN resources',
            'TRAVERSE WITH SEARCH "api design" DEPTH 1',
        ),
        (
            'TRAVERSE WITH SEARCH "x" IN moments DEPTH 0',
            'TRAVERSE WITH SEARCH "x" IN moments DEPTH 0',
        ),
        (
            'select * from moments where topic_tags @> \'["a","b"]\'::JSONB',
            'SELECT * FROM moments WHERE topic_tags @> \'["a", "b"]\'::jsonb',
        ),
        (
            "SELECT * FROM sessions WHERE user_rating >= 4.50 AND NOT (agent = 'x' OR agent IS NULL)",
            "SELECT * FROM sessions WHERE user_rating >= 4.5 AND NOT (agent = 'x' OR agent IS NULL)",
        ),
        (
            "SELECT * FROM resources WHERE (name = 'a' AND name = 'b') AND ordinal IN (1,2)",
            "SELECT * FROM resources WHERE name = 'a' AND name = 'b' AND ordinal IN (1, 2)",
        ),
        (
            "SELECT * FROM resources WHERE name = 'it''s' OR (summary ILIKE '%x%' AND ordinal BETWEEN 1 AND 3)",
            "SELECT * FROM resources WHERE name = 'it''s' OR summary ILIKE '%x%' AND ordinal BETWEEN 1 AND 3",
        ),
        (
            'FUZZY "transfomer" in Resources threshold 0.30 limit 10',
            'FUZZY "transfomer" IN resources THRESHOLD 0.3 LIMIT 10',
        ),
        ('LOOKUP "say \\"hi\\" \\\\ bye"', 'LOOKUP "say \\"hi\\" \\\\ bye"'),
    ],
)
def test_loose_input_prints_canonically(loose: str, canonical: str) -> None:
    result = check_rem(loose)
    assert result.valid, result.errors
    assert result.canonical == canonical
    assert check_rem(canonical).canonical == canonical
