"""What crosses the HTTP boundary: request bodies, settings and non-translation answers.

The translation itself is `rem_agent.agent.Translation`, unchanged, so `POST /v1/translate`
answers exactly what `rem-agent translate --json` prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rem_agent.agent import MAX_REQUEST_CHARS, Translation
from rem_agent.dates import load_zone
from rem_agent.errors import UsageError
from rem_agent.rem.profile import Profile, parse_profile

NOW_EXAMPLE = "2026-11-26T10:30:00Z"


class TranslateRequest(BaseModel):
    """One search-bar request. Unknown fields are refused so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_REQUEST_CHARS, description="what the user typed")
    now: datetime | None = Field(
        default=None,
        description="reference time for relative dates, ISO 8601; without an offset it is "
        "wall time in `tz` (default: the current time)",
    )
    tz: str | None = Field(default=None, description="IANA time zone (default: the server's)")
    profile: Profile | None = Field(default=None, description="REM dialect: rem or p8fs")

    @field_validator("text", mode="before")
    @classmethod
    def _text_is_string(cls, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError("`text` must be a string: what the user typed")
        return value

    @field_validator("now", mode="before")
    @classmethod
    def _parse_now(cls, value: object) -> object:
        # Only ISO 8601 strings: pydantic would also take numbers (epoch seconds), which a
        # search bar never means.
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError(f"`now` must be an ISO-8601 string such as {NOW_EXAMPLE}")
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"`now` {value!r} is not an ISO-8601 date or time (e.g. {NOW_EXAMPLE})"
            ) from None

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                load_zone(value)
            except UsageError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("profile", mode="before")
    @classmethod
    def _known_profile(cls, value: object) -> object:
        if value is None or isinstance(value, Profile):
            return value
        if not isinstance(value, str):
            raise ValueError("`profile` must be a string: rem or p8fs")
        try:
            return parse_profile(value)
        except UsageError as exc:
            raise ValueError(str(exc)) from None


class BatchRequest(BaseModel):
    """Several requests answered together; each is answered (or refused) on its own."""

    model_config = ConfigDict(extra="forbid")

    requests: list[TranslateRequest] = Field(min_length=1)


class ItemError(BaseModel):
    """A batch item that got no translation, with the HTTP status it would have had alone."""

    error: str
    status: int


class BatchResponse(BaseModel):
    """One entry per request, in request order."""

    results: list[Translation | ItemError]


class ErrorBody(BaseModel):
    """Every non-2xx answer: a message that says what to fix."""

    error: str


class OverloadedBody(ErrorBody):
    """A 503 given at once because the queue ahead would outlast the deadline: the
    figures the refusal was based on, so a client can judge the `Retry-After`."""

    retry_after_s: int = Field(description="the Retry-After header, in seconds")
    queue_ahead: int = Field(description="jobs ahead of this request, the running one included")
    service_time_s: float = Field(description="the recent mean model time per job")
    expected_wait_s: float = Field(description="(queue_ahead + 1) x service_time_s")
    time_left_s: float = Field(description="what was left of the request's deadline")


class ServerSettings(BaseModel):
    """Limits of the service in front of the one model."""

    model_config = ConfigDict(frozen=True)

    max_queue: int = Field(default=64, ge=1, description="requests waiting for the model")
    deadline_s: float = Field(default=30.0, gt=0, description="per-request time limit")
    max_batch: int = Field(default=32, ge=1, description="requests in one batch call")
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, description="largest request body")


def describe_validation_error(errors: Iterable[Mapping[str, Any]]) -> str:
    """One line per problem, naming the field: `text: ...; tz: ...`.

    `errors` are a request body's, as FastAPI reports them: pydantic's, each `loc` led
    by "body", which the message leaves out.
    """
    parts = []
    for err in errors:
        loc = tuple(err["loc"])
        if loc[:1] == ("body",):
            loc = loc[1:]
        where = ".".join(str(p) for p in loc) or "body"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = "is required"
        elif err["type"] == "extra_forbidden":
            message = "is not a known field"
        elif err["type"] == "string_too_long":
            message = f"is longer than {MAX_REQUEST_CHARS} characters; shorten it"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)
