"""Drop-in for p8fs's NL→REM step.

p8fs turns a question into REM with a hosted LLM in
`REMQueryController.convert_natural_language_to_rem(question, table="resources",
model=None) -> str`. `RemQueryTranslator` has that shape (question and target table in,
REM string out), backed either by a local `RemAgent` in the same process or by a
`rem-agent serve` instance over HTTP:

    from rem_agent.clients.p8fs import RemQueryTranslator

    translator = RemQueryTranslator(url="http://127.0.0.1:8765")  # or RemQueryTranslator()
    query = await translator.convert_natural_language_to_rem(question, table=table)

It raises `RemTranslationError` (a `ValueError`, like p8fs's own "No response from LLM")
when no valid REM came out, so p8fs's existing error handling keeps working.

One translator over two transports (`LocalTransport`, `HttpTransport`): the translator
builds the request and reads the answer; a transport only carries them, in a sync and
an async form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from rem_agent.agent import RemAgent, Translation
from rem_agent.errors import RemAgentError
from rem_agent.rem.profile import Profile, parse_profile

if TYPE_CHECKING:
    import httpx


class RemTranslationError(RemAgentError, ValueError):
    """No valid REM query came out; `translation` has the details when there was one."""

    def __init__(self, message: str, translation: Translation | None = None) -> None:
        super().__init__(message)
        self.translation = translation


@dataclass(frozen=True)
class Tables:
    """The target tables a translation may name: the catalog's default and all of them."""

    default: str | None
    names: tuple[str, ...]


@dataclass(frozen=True)
class TextRequest:
    """One request as the model gets it: the text (table hint included) and its options."""

    text: str
    profile: Profile
    now: datetime | None = None
    tz: str | None = None

    def options(self) -> dict[str, Any]:
        """`RemAgent.translate`'s keyword arguments."""
        return {"now": self.now, "tz": self.tz, "profile": self.profile}

    def body(self) -> dict[str, Any]:
        """The `POST /v1/translate` body (what is left unset, the server chooses)."""
        body: dict[str, Any] = {"text": self.text, "profile": self.profile.value}
        if self.now is not None:
            body["now"] = self.now.isoformat()
        if self.tz is not None:
            body["tz"] = self.tz
        return body


class Transport(Protocol):
    """How a request reaches a model and its translation comes back.

    `tables` is None until known; `learn_tables` finds them out (it may ask the model's
    side). Errors are `RemTranslationError`, or `UsageError` for input refused in process.
    """

    tables: Tables | None

    def learn_tables(self) -> Tables: ...

    async def alearn_tables(self) -> Tables: ...

    def translate(self, request: TextRequest) -> Translation: ...

    async def atranslate(self, request: TextRequest) -> Translation: ...


class LocalTransport:
    """The model in this process: a `RemAgent`, whose catalog is known from the start."""

    def __init__(self, agent: RemAgent) -> None:
        self.agent = agent
        self.tables: Tables | None = Tables(agent.catalog.default_table, agent.catalog.table_names)

    def learn_tables(self) -> Tables:
        assert self.tables is not None
        return self.tables

    async def alearn_tables(self) -> Tables:
        return self.learn_tables()

    def translate(self, request: TextRequest) -> Translation:
        return self.agent.translate(request.text, **request.options())

    async def atranslate(self, request: TextRequest) -> Translation:
        return await self.agent.atranslate(request.text, **request.options())


class HttpTransport:
    """A `rem-agent serve` instance at `url`: the catalog from `GET /v1/info`, a
    translation from `POST /v1/translate`, one short-lived connection per call."""

    def __init__(self, url: str, timeout_s: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.tables: Tables | None = None

    def learn_tables(self) -> Tables:
        return self._remember(self._call("GET", "/v1/info"))

    async def alearn_tables(self) -> Tables:
        return self._remember(await self._acall("GET", "/v1/info"))

    def translate(self, request: TextRequest) -> Translation:
        return Translation.model_validate(self._call("POST", "/v1/translate", request.body()))

    async def atranslate(self, request: TextRequest) -> Translation:
        answer = await self._acall("POST", "/v1/translate", request.body())
        return Translation.model_validate(answer)

    # The two calls differ only in the client: what is sent and read is shared.

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import httpx

        with self._reaching(), httpx.Client(timeout=self.timeout_s) as client:
            return self._read(client.request(method, self.url + path, json=body))

    async def _acall(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        import httpx

        with self._reaching():
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                return self._read(await client.request(method, self.url + path, json=body))

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        import httpx

        try:
            yield
        except httpx.HTTPError as exc:
            raise RemTranslationError(f"cannot reach rem-agent at {self.url}: {exc}") from None

    def _read(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200:
            why = body.get("error") if isinstance(body, dict) else None
            raise RemTranslationError(
                f"rem-agent at {self.url} answered {response.status_code}: "
                f"{why or response.text[:200]}"
            )
        return body

    def _remember(self, info: dict[str, Any]) -> Tables:
        catalog = info.get("catalog") or {}
        self.tables = Tables(catalog.get("default_table"), tuple(catalog.get("tables") or ()))
        return self.tables


class RemQueryTranslator:
    """Question (+ target table) in, one valid REM string out.

    `agent`: a local `RemAgent` (default: a new one with `profile`, loaded on first use).
    `url`: the base URL of a `rem-agent serve` instance instead; then no model is loaded
    here. `profile` defaults to `p8fs`: only what p8fs's query parser executes today.
    """

    def __init__(
        self,
        agent: RemAgent | None = None,
        *,
        profile: Profile | str = Profile.P8FS,
        url: str | None = None,
        tz: str | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        if agent is not None and url is not None:
            raise ValueError("give a local agent or a server url, not both")
        self.profile = parse_profile(profile)
        self.url = url.rstrip("/") if url else None
        self.tz = tz
        self.timeout_s = timeout_s
        self.agent: RemAgent | None = None
        self.transport: Transport
        if url:
            self.transport = HttpTransport(url, timeout_s)
        else:
            self.agent = agent if agent is not None else RemAgent(profile=self.profile)
            self.transport = LocalTransport(self.agent)

    # -- p8fs's signature -------------------------------------------------------------

    async def convert_natural_language_to_rem(
        self, question: str, table: str = "resources", model: str | None = None
    ) -> str:
        """p8fs's `REMQueryController` method, same arguments; `model` is ignored (the
        local model is chosen when the translator or server starts)."""
        return await self.atranslate(question, table)

    # -- plain API ----------------------------------------------------------------------

    def translate(
        self, question: str, table: str | None = None, *, now: datetime | None = None
    ) -> str:
        """The REM query for `question`; `table` hints the target table."""
        if table is not None and self.transport.tables is None:
            self.transport.learn_tables()
        return _query(self.transport.translate(self._request(question, table, now)))

    async def atranslate(
        self, question: str, table: str | None = None, *, now: datetime | None = None
    ) -> str:
        """`translate` for async callers (the model runs off the event loop)."""
        if table is not None and self.transport.tables is None:
            await self.transport.alearn_tables()
        return _query(await self.transport.atranslate(self._request(question, table, now)))

    def request_text(self, question: str, table: str | None) -> str:
        """The request the model sees: the question, plus "in <table>" when the caller
        targets a table other than the default and the question does not name it."""
        tables = self.transport.tables
        if table is None or (tables is not None and table == tables.default):
            return question
        if tables is not None and table not in tables.names:
            known = ", ".join(tables.names)
            raise RemTranslationError(f"table {table!r} is not in the catalog (known: {known})")
        if re.search(rf"\b{re.escape(table)}\b", question, re.IGNORECASE):
            return question
        return f"{question} in {table}"

    def _request(self, question: str, table: str | None, now: datetime | None) -> TextRequest:
        return TextRequest(self.request_text(question, table), self.profile, now, self.tz)


def _query(result: Translation) -> str:
    if not result.valid or result.query is None:
        raise RemTranslationError(
            f"no valid REM query: {result.error or 'the model gave none'}", result
        )
    return result.query
