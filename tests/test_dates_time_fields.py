"""Which timestamp fields a request's dates may filter: those it names by name or alias
(`translate.spec.named_time_fields`); none named leaves the grammar the table's default."""

from __future__ import annotations

import pytest

from rem_agent.rem.catalog import default_catalog
from rem_agent.translate.spec import named_time_fields

P8FS = default_catalog()


@pytest.mark.parametrize(
    ("table", "request_text", "named"),
    [
        ("resources", "notes from last week", set()),
        ("resources", "notes updated last week", {"updated_at"}),
        ("resources", "docs Modified yesterday", {"updated_at"}),
        ("resources", "notes that happened in March", {"resource_timestamp"}),
        ("moments", "meetings yesterday", set()),
        ("moments", "meetings that ended after 5pm yesterday", {"resource_ends_timestamp"}),
        ("files", "files from last week", set()),
        ("files", "files uploaded last week", {"upload_timestamp"}),
        ("files", "files created last week", {"created_at"}),
        ("sessions", "sessions completed yesterday", {"session_completed_at"}),
        ("sessions", "sessions finished yesterday", {"session_completed_at"}),
        ("sessions", "sessions from yesterday", set()),
        ("sessions", "sessions where updated_at is last week", {"updated_at"}),
        ("resources", "notes created by Sarah and updated last week", {"created_at", "updated_at"}),
        # an alias of another table's field does not count
        ("resources", "notes uploaded last week", set()),
        # "upload" is not the alias "uploaded": whole words only
        ("files", "files reupdated last week", set()),
    ],
)
def test_named_time_fields_of_a_table(table: str, request_text: str, named: set[str]) -> None:
    assert {f for t, f in named_time_fields(request_text, P8FS) if t == table} == named
