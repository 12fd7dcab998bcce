"""Errors say where (line, column, caret) and what would be right, in words."""

from __future__ import annotations

import pytest

from rem_agent.rem import Profile, check_rem
from rem_agent.rem.catalog import Catalog, default_catalog


def first_error(text: str, **kw: object):  # type: ignore[no-untyped-def]
    result = check_rem(text, **kw)  # type: ignore[arg-type]
    assert not result.valid
    return result.errors[0]


def test_unknown_field_names_table_and_known_fields() -> None:
    err = first_error("SELECT * FROM resources WHERE tags = 'x'")
    assert err.message.startswith("unknown field `tags` on table `resources`; known fields: ")
    assert "category" in err.message and "created_at" in err.message
    assert (err.line, err.column) == (1, 31)
    assert err.rendered.splitlines()[-1] == " " * 32 + "^"


def test_caret_on_second_line() -> None:
    err = first_error("SELECT * FROM moments\nWHERE moment_type = 'meating'")
    assert (err.line, err.column) == (2, 21)
    lines = err.rendered.splitlines()
    assert lines[1].strip() == "WHERE moment_type = 'meating'"
    assert lines[2].index("^") == lines[1].index("'meating'")
    assert "known values: conversation, meeting" in err.message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "the query is empty"),
        ("   ", "the query is empty"),
        ("SEARCH", "ends too early"),
        ('SEARCH "x" IN', "ends too early"),
        ('SEARCH "x" IN resources;', "no `;`"),
        ("SELECT name FROM resources", "expected `*`"),
        ("SELECT * FROM nowhere", "unknown table `nowhere`; known tables: resources, moments"),
        ("SELECT * FROM resources WHERE created_at = 'soon'", "is not a single-quoted timestamp"),
        ("SELECT * FROM files WHERE file_size = 2.5", "is not a whole number"),
        ("SELECT * FROM resources WHERE name @> '[\"a\"]'::jsonb", "takes no @>"),
        ("SELECT * FROM resources WHERE metadata = 'x'", "takes no `=`"),
        ("SELECT * FROM resources ORDER BY metadata", "cannot ORDER BY `metadata`"),
        ('LOOKUP "a\\nb"', "unsupported escape \\n"),
        ('LOOKUP ""', "a LOOKUP key is empty"),
        ("SELECT * FROM resources LIMIT 0", "LIMIT must be between 1 and 10000"),
        ('TRAVERSE WITH LOOKUP "x" DEPTH 2.5', "DEPTH takes a whole number"),
        ("SELECT * FROM moments WHERE topic_tags @> '[1]'::jsonb", "JSON array of strings"),
        ('FUZZY "x" THRESHOLD 2', "less than or equal to 1"),
    ],
)
def test_messages_say_what_is_wrong(text: str, needle: str) -> None:
    err = first_error(text)
    assert needle in err.message, err.message
    assert "Traceback" not in err.rendered


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('FUZZY "x"', "p8fs profile has no FUZZY"),
        ('SEARCH "x" IN resources LIMIT 3', "p8fs profile has no LIMIT after SEARCH"),
        ("SELECT * FROM resources WHERE name ILIKE 'a%'", "p8fs profile has no ILIKE"),
        ('LOOKUP "user:1"', "p8fs profile has no LOOKUP keys with `:`"),
        ('TRAVERSE works-with WITH LOOKUP "x"', "edge names containing `with`"),
    ],
)
def test_p8fs_profile_messages(text: str, needle: str) -> None:
    assert check_rem(text).valid
    assert needle in first_error(text, profile=Profile.P8FS).message


def test_custom_catalog(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cat.yaml"
    path.write_text(
        "tables:\n  tickets:\n    default_time_field: opened_at\n    fields:\n"
        "      opened_at: timestamp\n      status: {type: enum, values: [open, closed]}\n"
        "      labels: json_array\n"
    )
    catalog = Catalog.load(path)
    assert catalog.default_table == "tickets"
    ok = check_rem("SELECT * FROM tickets WHERE status = 'open'", catalog=catalog)
    assert ok.valid
    assert check_rem('SEARCH "bug"', catalog=catalog).canonical == 'SEARCH "bug" IN tickets'
    assert (
        "unknown table `resources`"
        in first_error("SELECT * FROM resources", catalog=catalog).message
    )


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("tables: [", "not valid YAML"),
        ("tables: {}", "at least one table"),
        ("tables:\n  t:\n    fields: {a: text}\n", "default_time_field"),
        (
            "tables:\n  t:\n    default_time_field: a\n    fields: {a: texty}\n",
            "not a valid catalog",
        ),
        (
            "tables:\n  t:\n    default_time_field: a\n    fields: {a: timestamp, b: enum}\n",
            "values",
        ),
    ],
)
def test_bad_catalog_files_are_explained(tmp_path, content: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    from rem_agent.errors import UsageError

    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(UsageError, match=needle):
        Catalog.load(path)


def test_default_catalog_matches_rem_md_section_3() -> None:
    cat = default_catalog()
    assert cat.table_names == ("resources", "moments", "files", "sessions")
    defaults = {t.name: t.default_time_field for t in cat.tables}
    assert defaults == {
        "resources": "created_at",
        "moments": "resource_timestamp",
        "files": "upload_timestamp",
        "sessions": "created_at",
    }
    for table in cat.tables:
        assert {"id", "created_at", "updated_at"} <= set(table.field_names)
        assert not {"tags", "user_id", "deleted_at", "graph_edges"} & set(table.field_names)
    moments = cat.table("moments")
    assert moments is not None and set(cat.table("resources").field_names) < set(
        moments.field_names
    )  # type: ignore[union-attr]
    assert moments.field("moment_type").values[:2] == ("conversation", "meeting")  # type: ignore[union-attr]
