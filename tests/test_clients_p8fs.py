"""The p8fs client: question + target table in, REM string out, in process and over HTTP,
sync and async."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from server_fakes import GatedEngine, expected_query, serving

from rem_agent.agent import RemAgent
from rem_agent.clients.p8fs import RemQueryTranslator, RemTranslationError
from rem_agent.server import create_app


def local(engine: GatedEngine) -> RemQueryTranslator:
    return RemQueryTranslator(RemAgent(engine_instance=engine))


def test_question_in_rem_out() -> None:
    engine = GatedEngine()
    translator = local(engine)
    assert translator.translate("notes about kafka") == expected_query("notes about kafka")
    assert translator.profile.value == "p8fs"


def test_the_table_hint_reaches_the_model_only_when_it_adds_something() -> None:
    engine = GatedEngine()
    translator = local(engine)
    translator.translate("standup notes", table="moments")
    translator.translate("release notes", table="resources")  # the default table
    translator.translate("big files uploaded today", table="files")  # already named
    assert engine.started == [
        "standup notes in moments",
        "release notes",
        "big files uploaded today",
    ]


def test_failures_raise_a_value_error_that_says_why() -> None:
    translator = local(GatedEngine(answer=lambda request: "DROP TABLE resources"))
    with pytest.raises(RemTranslationError, match="no valid REM query") as info:
        translator.translate("delete everything")
    assert isinstance(info.value, ValueError)  # what p8fs's own step raises
    assert info.value.translation is not None and info.value.translation.valid is False
    with pytest.raises(RemTranslationError, match="not in the catalog"):
        local(GatedEngine()).translate("anything", table="agents")


def test_p8fs_signature_is_async_and_same_shaped() -> None:
    translator = local(GatedEngine())
    query = asyncio.run(
        translator.convert_natural_language_to_rem("who reports to Sally", table="resources")
    )
    assert query == expected_query("who reports to Sally")


@contextmanager
def server() -> Iterator[str]:
    """The URL of a ready `rem-agent serve` over a `GatedEngine`."""
    with serving(create_app(RemAgent(engine_instance=GatedEngine()))) as srv:
        deadline = time.monotonic() + 10
        while httpx.get(f"{srv.url}/healthz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        yield srv.url


def test_over_http_against_a_running_server() -> None:
    with server() as url:
        translator = RemQueryTranslator(url=url)
        assert translator.translate("budget notes", table="moments") == expected_query(
            "budget notes in moments"
        )
        query = asyncio.run(translator.convert_natural_language_to_rem("travel plans"))
        assert query == expected_query("travel plans")
        with pytest.raises(RemTranslationError, match="422: text: is longer than 1000"):
            translator.translate("x" * 1001)


def test_async_over_http_learns_the_servers_catalog_once() -> None:
    with server() as url:
        translator = RemQueryTranslator(url=url + "/")
        assert translator.transport.tables is None
        query = asyncio.run(translator.atranslate("standup notes", table="moments"))
        assert query == expected_query("standup notes in moments")
        tables = translator.transport.tables
        assert tables is not None and tables.default == "resources" and "moments" in tables.names
        with pytest.raises(RemTranslationError, match="'agents' is not in the catalog"):
            asyncio.run(translator.atranslate("anything", table="agents"))
        assert translator.transport.tables is tables  # not asked again


def test_an_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    translator = RemQueryTranslator(url=f"http://127.0.0.1:{port}", timeout_s=2)
    with pytest.raises(RemTranslationError, match="cannot reach rem-agent"):
        translator.translate("anything")
