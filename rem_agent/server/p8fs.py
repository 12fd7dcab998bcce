"""Drop-in for p8fs's NL→REM step.

p8fs turns a question into REM with a hosted LLM in
`REMQueryController.convert_natural_language_to_rem(question, table="resources",
model=None) -> str`. `RemQueryTranslator` has that shape (question and target table in,
REM string out), backed either by a local `RemAgent` in the same process or by a
`rem-agent serve` instance over HTTP:

    from rem_agent.server.p8fs import RemQueryTranslator

    translator = RemQueryTranslator(url="http://127.0.0.1:8765")  # or RemQueryTranslator()
    query = await translator.convert_natural_language_to_rem(question, table=table)

It raises `RemTranslationError` (a `ValueError`, like p8fs's own "No response from LLM")
when no valid REM came out, so p8fs's existing error handling keeps working.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from rem_agent.agent import RemAgent, Translation
from rem_agent.errors import RemAgentError
from rem_agent.rem.profile import Profile, parse_profile


class RemTranslationError(RemAgentError, ValueError):
    """No valid REM query came out; `translation` has the details when there was one."""

    def __init__(self, message: str, translation: Translation | None = None) -> None:
        super().__init__(message)
        self.translation = translation


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
        self.agent = agent if agent is not None or url else RemAgent(profile=self.profile)
        self._tables: tuple[str, ...] | None = None
        self._default_table: str | None = None

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
        if self.url is not None:
            import httpx

            try:
                with httpx.Client(timeout=self.timeout_s) as client:
                    if table is not None and self._tables is None:
                        self._remember_catalog(self._get(client.get(f"{self.url}/v1/info")))
                    body = self._body(question, table, now)
                    answer = self._get(client.post(f"{self.url}/v1/translate", json=body))
            except httpx.HTTPError as exc:
                raise RemTranslationError(f"cannot reach rem-agent at {self.url}: {exc}") from None
            return self._query(Translation.model_validate(answer))
        assert self.agent is not None
        return self._query(
            self.agent.translate(
                self.request_text(question, table), now=now, tz=self.tz, profile=self.profile
            )
        )

    async def atranslate(
        self, question: str, table: str | None = None, *, now: datetime | None = None
    ) -> str:
        """`translate` for async callers (the model runs off the event loop)."""
        if self.url is not None:
            import httpx

            try:
                async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                    if table is not None and self._tables is None:
                        self._remember_catalog(self._get(await client.get(f"{self.url}/v1/info")))
                    body = self._body(question, table, now)
                    answer = self._get(await client.post(f"{self.url}/v1/translate", json=body))
            except httpx.HTTPError as exc:
                raise RemTranslationError(f"cannot reach rem-agent at {self.url}: {exc}") from None
            return self._query(Translation.model_validate(answer))
        assert self.agent is not None
        result = await self.agent.atranslate(
            self.request_text(question, table), now=now, tz=self.tz, profile=self.profile
        )
        return self._query(result)

    def request_text(self, question: str, table: str | None) -> str:
        """The request the model sees: the question, plus "in <table>" when the caller
        targets a table other than the default and the question does not name it."""
        if self.agent is not None and self._tables is None:
            self._remember_catalog(
                {
                    "catalog": {
                        "default_table": self.agent.catalog.default_table,
                        "tables": dict.fromkeys(self.agent.catalog.table_names),
                    }
                }
            )
        if table is None or table == self._default_table:
            return question
        if self._tables is not None and table not in self._tables:
            known = ", ".join(self._tables)
            raise RemTranslationError(f"table {table!r} is not in the catalog (known: {known})")
        if re.search(rf"\b{re.escape(table)}\b", question, re.IGNORECASE):
            return question
        return f"{question} in {table}"

    # -- helpers --------------------------------------------------------------------------

    def _body(self, question: str, table: str | None, now: datetime | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "text": self.request_text(question, table),
            "profile": self.profile.value,
        }
        if now is not None:
            body["now"] = now.isoformat()
        if self.tz is not None:
            body["tz"] = self.tz
        return body

    def _remember_catalog(self, info: dict[str, Any]) -> None:
        catalog = info.get("catalog") or {}
        self._tables = tuple(catalog.get("tables") or ())
        self._default_table = catalog.get("default_table")

    def _get(self, response: Any) -> dict[str, Any]:
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

    @staticmethod
    def _query(result: Translation) -> str:
        if not result.valid or result.query is None:
            raise RemTranslationError(
                f"no valid REM query: {result.error or 'the model gave none'}", result
            )
        return result.query
