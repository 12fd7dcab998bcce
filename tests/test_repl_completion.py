"""Completion in the REPL: meta-commands, keywords, tables, fields, enum values."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from rem_agent.rem.catalog import default_catalog
from rem_agent.repl.commands import command_names
from rem_agent.repl.completion import RemCompleter

CATALOG = default_catalog()


def complete(text: str) -> list[str]:
    completer = RemCompleter(CATALOG)
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


def test_first_word_offers_statements() -> None:
    assert complete("SE") == ["SEARCH", "SELECT"]
    assert complete("tra") == ["TRAVERSE"]


def test_tables_after_from_and_after_search_string_in() -> None:
    assert complete("SELECT * FROM ") == list(CATALOG.table_names)
    assert complete("SELECT * FROM mo") == ["moments"]
    assert complete('SEARCH "kafka" IN ') == list(CATALOG.table_names)


def test_fields_of_the_queried_table() -> None:
    got = complete("SELECT * FROM files WHERE ")
    assert set(CATALOG.table("files").field_names) <= set(got)  # type: ignore[union-attr]
    assert "moment_type" not in got
    assert complete("SELECT * FROM files ORDER BY upl") == ["upload_timestamp"]
    # SEARCH without IN searches the default table.
    assert complete('SEARCH "x" WHERE crea') == ["created_at"]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM moments WHERE moment_type = ",
        "SELECT * FROM moments WHERE moment_type != 'me",
        "SELECT * FROM moments WHERE moment_type IN ('coding', ",
    ],
)
def test_enum_values_after_an_enum_field(text: str) -> None:
    values = [f"'{v}'" for v in CATALOG.table("moments").field("moment_type").values]  # type: ignore[union-attr]
    got = complete(text)
    assert got and set(got) <= set(values)
    if text.endswith("'me"):
        assert got == ["'meeting'"]


def test_keywords_mid_statement() -> None:
    assert "WHERE" in complete("SELECT * FROM files W")
    assert sorted(complete("SELECT * FROM files WHERE file_size IS N")) == ["NOT", "NULL"]


def test_meta_commands_and_their_arguments() -> None:
    assert complete(":") == [":" + n for n in command_names()]
    assert complete(":pro") == [":profile"]
    assert complete(":profile ") == ["rem", "p8fs"]
    assert complete(":explain o") == ["on", "off"]
    assert "Europe/Berlin" in complete(":tz Europe/Be")
    assert complete(":tables fi") == ["files"]


def test_plain_language_gets_no_popups() -> None:
    assert complete("who is sa") == []
    assert complete("search for notes from la") == []
