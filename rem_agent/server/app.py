"""The search-bar backend: HTTP endpoints over one `RemAgent`.

`create_app(agent, settings)` is the standalone service (`rem-agent serve`);
`router(agent, settings)` is the same endpoints as an `APIRouter` for p8fs-api to mount.
Every error is a JSON `{"error": ...}` that says what to fix; no traceback leaves the
process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from rem_agent import __version__
from rem_agent.agent import MAX_REQUEST_CHARS, Cancelled, RemAgent, Translation
from rem_agent.dates import load_zone
from rem_agent.errors import RemAgentError, UsageError
from rem_agent.rem.profile import Profile
from rem_agent.server.metrics import Metrics
from rem_agent.server.queue import (
    DeadlineExceeded,
    Overloaded,
    QueueFull,
    Scheduler,
    SchedulerClosed,
)
from rem_agent.server.schemas import (
    BatchRequest,
    BatchResponse,
    ItemError,
    OverloadedBody,
    ServerSettings,
    TranslateRequest,
    describe_validation_error,
)

log = logging.getLogger("rem_agent.server")
P = TypeVar("P")

LoadState = Literal["idle", "loading", "ready", "failed"]
CLIENT_CLOSED = 499  # nginx's code for "client closed the request"; only ever logged


# /metrics name, `ServiceStats` field, help text.
_SERVICE_GAUGES = (
    (
        "rem_agent_service_time_p50_seconds",
        "service_time_p50_s",
        "median model time per job over the recent jobs",
    ),
    (
        "rem_agent_service_time_mean_seconds",
        "service_time_mean_s",
        "mean model time per job over the recent jobs",
    ),
    (
        "rem_agent_service_rate_per_second",
        "answers_per_s",
        "jobs the model finishes per second while busy (1 / mean time per job)",
    ),
    ("rem_agent_service_samples", "samples", "recent jobs the service figures come from"),
    (
        "rem_agent_expected_wait_seconds",
        "expected_wait_s",
        "foreseen time to answer a new request now: (jobs ahead + 1) x mean time per job",
    ),
)


class ServiceError(Exception):
    """An answer other than a translation: HTTP status, message, metrics kind, headers,
    and optionally a fuller body than `{"error": message}`."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str,
        headers: dict[str, str] | None = None,
        body: BaseModel | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.headers = headers or {}
        self.body = body


class RemService:
    """One agent, its scheduler, its metrics and the model's loading state."""

    def __init__(self, agent: RemAgent, settings: ServerSettings | None = None) -> None:
        self.agent = agent
        self.settings = settings or ServerSettings()
        self.metrics = Metrics()
        self.scheduler: Scheduler[Translation] = Scheduler(
            max_queue=self.settings.max_queue, metrics=self.metrics
        )
        self._load_task: asyncio.Task[None] | None = None
        self._load_error: str | None = None
        self.metrics.gauge("rem_agent_queue_depth", "requests waiting for the model", self._depth)
        self.metrics.gauge(
            "rem_agent_queue_capacity",
            "most requests that may wait",
            lambda: self.settings.max_queue,
        )
        self.metrics.gauge(
            "rem_agent_waiting_requests",
            "requests waiting for an answer, shared jobs counted once per request",
            lambda: self.scheduler.waiting,
        )
        self.metrics.gauge("rem_agent_model_busy", "1 while the model runs a job", self._busy)
        self._service_gauges()
        self.metrics.gauge(
            "rem_agent_model_loaded", "1 once the model is loaded", lambda: int(self.agent.loaded)
        )

    def _service_gauges(self) -> None:
        """The measured service rate, from the scheduler's estimate (NaN until measured)."""

        def read(field: str) -> Callable[[], float]:
            def value() -> float:
                got = getattr(self.scheduler.stats(), field)
                return math.nan if got is None else float(got)

            return value

        for name, field, help_text in _SERVICE_GAUGES:
            self.metrics.gauge(name, help_text, read(field))

    def _depth(self) -> int:
        return self.scheduler.depth

    def _busy(self) -> int:
        return int(self.scheduler.busy)

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        """Start the worker and load the model in the background (idempotent)."""
        self.scheduler.start()
        if self._load_task is None and not self.agent.loaded:
            self._load_task = asyncio.get_running_loop().create_task(self._load())

    async def stop(self) -> None:
        await self.scheduler.stop()
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()  # the loading thread itself finishes on its own

    async def _load(self) -> None:
        try:
            await self.scheduler.in_model_thread(self.agent.load)
        except Exception as exc:  # any loader failure: report it on /healthz, keep serving 503
            self._load_error = str(exc) or type(exc).__name__
            log.error("the model failed to load: %s", self._load_error)

    @property
    def state(self) -> LoadState:
        if self.agent.loaded:
            return "ready"
        if self._load_error is not None:
            return "failed"
        return "loading" if self._load_task is not None else "idle"

    # -- translation --------------------------------------------------------------

    async def translate(self, req: TranslateRequest, *, started: float) -> Translation:
        """Answer one request, or raise `ServiceError`."""
        if self._load_error is not None:
            raise ServiceError(
                503, f"the model is not available: {self._load_error}", "unavailable"
            )
        tz = req.tz or self.agent.tz
        # Pin "now" once, so the key below and the model's prompt see the same dates.
        now = req.now or datetime.now(load_zone(tz))
        kwargs: dict[str, Any] = {"now": now, "tz": tz, "profile": req.profile}
        try:
            prepared = self.agent.prepare(req.text, **kwargs)
        except UsageError as exc:
            raise ServiceError(422, str(exc), "bad_input") from None
        # REM input and cache hits need no model: they skip the queue.
        quick = self.agent.answer_without_model(prepared)
        if quick is not None:
            self.metrics.answered(quick.source)
            return quick
        key = prepared.key

        def work(cancel: threading.Event) -> Translation:
            result = self.agent.run(prepared, cancel=cancel)  # prepared once, not again
            if result.source == "model":
                self.metrics.generation()
            return result

        deadline = (
            asyncio.get_running_loop().time()
            + self.settings.deadline_s
            - (time.perf_counter() - started)
        )
        try:
            result, shared = await self.scheduler.run(key, work, deadline=deadline)
        except QueueFull as exc:
            raise ServiceError(
                503,
                f"the server is busy: {exc}; retry in {exc.retry_after} s",
                "queue_full",
                {"Retry-After": str(exc.retry_after)},
            ) from None
        except Overloaded as exc:
            # Said now rather than with a 504 at the deadline: the client can retry or
            # tell the user at once, and the connection is not held for nothing.
            message = f"the model is busy: {exc}; retry in {exc.retry_after} s"
            raise ServiceError(
                503,
                message,
                "overloaded",
                {"Retry-After": str(exc.retry_after)},
                OverloadedBody(
                    error=message,
                    retry_after_s=exc.retry_after,
                    queue_ahead=exc.ahead,
                    service_time_s=exc.service_s,
                    expected_wait_s=exc.expected_s,
                    time_left_s=exc.budget_s,
                ),
            ) from None
        except DeadlineExceeded:
            raise ServiceError(
                504,
                f"no answer within {self.settings.deadline_s:g} s; the model is busy, retry later",
                "deadline",
            ) from None
        except SchedulerClosed as exc:
            raise ServiceError(503, str(exc), "unavailable") from None
        except UsageError as exc:
            raise ServiceError(422, str(exc), "bad_input") from None
        except Cancelled:
            # Only happens when every waiter left; this one is leaving too.
            raise ServiceError(503, "the request was cancelled", "disconnected") from None
        except RemAgentError as exc:
            raise ServiceError(503, f"the model is not available: {exc}", "unavailable") from None
        self.metrics.answered("coalesced" if shared else result.source)
        if not result.valid:
            self.metrics.error("invalid_output")
        return result

    # -- descriptions ----------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        engine, model = self.agent.describe()
        catalog = self.agent.catalog
        return {
            "version": __version__,
            "engine": engine,
            "model": model,
            "state": self.state,
            "profiles": [p.value for p in Profile],
            "default_profile": self.agent.profile.value,
            "tz": self.agent.tz,
            "catalog": {
                "name": catalog.name,
                "default_table": catalog.default_table,
                "tables": {
                    t.name: {f.name: f.type.value for f in t.fields} for t in catalog.tables
                },
            },
            "limits": {
                "max_text_chars": MAX_REQUEST_CHARS,
                "max_queue": self.settings.max_queue,
                "deadline_s": self.settings.deadline_s,
                "max_batch": self.settings.max_batch,
                "max_body_bytes": self.settings.max_body_bytes,
            },
            "service": self.scheduler.stats().model_dump(mode="json"),
        }

    def health(self) -> tuple[int, dict[str, Any]]:
        state = self.state
        body: dict[str, Any] = {"status": state, "queue_depth": self.scheduler.depth}
        if state == "failed":
            body["error"] = f"the model failed to load: {self._load_error}"
        return (200 if state == "ready" else 503), body


# -- HTTP ---------------------------------------------------------------------------


def router(
    agent: RemAgent | None = None,
    settings: ServerSettings | None = None,
    *,
    service: RemService | None = None,
) -> APIRouter:
    """The endpoints as an `APIRouter` (p8fs-api: `app.include_router(router(), prefix="/rem")`).

    The model loads in the background when the host app starts (router lifespan) or, if
    the host runs no lifespans, at the first request.
    """
    svc = service or RemService(agent or RemAgent(), settings)

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        await svc.start()
        try:
            yield
        finally:
            await svc.stop()

    api = APIRouter(lifespan=lifespan)

    @api.post("/v1/translate", response_model=Translation, summary="text in, one REM query out")
    async def translate(request: Request) -> Response:
        async def parse() -> TranslateRequest:
            body = await _read_json(request, svc.settings.max_body_bytes)
            return _validate(TranslateRequest, body)

        async def answer(req: TranslateRequest) -> Response:
            result = await svc.translate(req, started=started)
            return _json(result.model_dump(mode="json"))

        started = time.perf_counter()
        return await _serve(svc, request, "/v1/translate", started, parse, answer)

    @api.post("/v1/translate/batch", response_model=BatchResponse, summary="several at once")
    async def translate_batch(request: Request) -> Response:
        async def parse() -> BatchRequest:
            body = await _read_json(request, svc.settings.max_body_bytes)
            if isinstance(body, dict) and isinstance(body.get("requests"), list):
                n = len(body["requests"])
                if n > svc.settings.max_batch:
                    raise ServiceError(
                        422,
                        f"requests: {n} requests in one batch; the limit is "
                        f"{svc.settings.max_batch}: split the batch",
                        "bad_input",
                    )
            return _validate(BatchRequest, body)

        async def one(req: TranslateRequest) -> Translation | ItemError:
            try:
                return await svc.translate(req, started=started)
            except ServiceError as exc:
                svc.metrics.error(exc.kind)
                return ItemError(error=exc.message, status=exc.status)

        async def answer(batch: BatchRequest) -> Response:
            results = await asyncio.gather(*(one(r) for r in batch.requests))
            return _json(BatchResponse(results=list(results)).model_dump(mode="json"))

        started = time.perf_counter()
        return await _serve(svc, request, "/v1/translate/batch", started, parse, answer)

    @api.get("/healthz", summary="200 once the model is loaded, 503 before")
    async def healthz() -> Response:
        await svc.start()
        status, body = svc.health()
        return _json(body, status)

    @api.get("/v1/info", summary="engine, model, profiles, catalog, limits")
    async def info() -> Response:
        await svc.start()
        return _json(svc.info())

    @api.get("/metrics", summary="Prometheus text format")
    async def metrics() -> Response:
        return PlainTextResponse(
            svc.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    api.rem_service = svc  # type: ignore[attr-defined]  # for hosts and tests
    return api


def create_app(agent: RemAgent, settings: ServerSettings | None = None) -> FastAPI:
    """The standalone service: the router plus JSON errors for unknown routes."""
    service = RemService(agent, settings)
    app = FastAPI(
        title="rem-agent",
        version=__version__,
        description="Search-bar text in, one valid REM query out, from a local model.",
    )
    app.include_router(router(service=service))
    app.state.rem_service = service

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        message = {404: "no such endpoint", 405: "method not allowed on this endpoint"}.get(
            exc.status_code, str(exc.detail)
        )
        return _json({"error": message}, exc.status_code, dict(exc.headers or {}))

    return app


async def _serve(
    svc: RemService,
    request: Request,
    endpoint: str,
    started: float,
    parse: Callable[[], Awaitable[P]],
    answer: Callable[[P], Awaitable[Response]],
) -> Response:
    """Read and check the body, then answer unless the client goes away first.

    Maps errors to JSON answers and records metrics.
    """
    await svc.start()
    status = 500
    try:
        parsed = await parse()
        response = await _unless_disconnected(request, answer(parsed))
        if response is None:
            # The user kept typing: the wait was cancelled, which drops a job no one
            # else waits for. Nobody reads this answer; the status is for the metrics.
            svc.metrics.error("disconnected")
            status = CLIENT_CLOSED
            return _json({"error": "the client closed the connection"}, status)
        status = response.status_code
        return response
    except ServiceError as exc:
        svc.metrics.error(exc.kind)
        status = exc.status
        body = exc.body.model_dump(mode="json") if exc.body else {"error": exc.message}
        return _json(body, exc.status, exc.headers)
    except ClientDisconnect:
        svc.metrics.error("disconnected")
        status = CLIENT_CLOSED
        return _json({"error": "the client closed the connection"}, status)
    except Exception:
        log.exception("internal error on %s", endpoint)
        svc.metrics.error("internal")
        status = 500
        return _json({"error": "internal error: see the server log"}, 500)
    finally:
        svc.metrics.observe_request(endpoint, status, time.perf_counter() - started)


async def _unless_disconnected(request: Request, coro: Awaitable[Response]) -> Response | None:
    """`await coro`, or cancel it and return None when the client disconnects first."""
    work = asyncio.ensure_future(coro)
    gone = asyncio.ensure_future(_until_disconnected(request))
    try:
        done, _ = await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
        if work in done:
            return work.result()
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, ServiceError):
            await work
        return None
    finally:
        gone.cancel()
        if not work.done():
            work.cancel()


async def _until_disconnected(request: Request) -> None:
    """Return when the client disconnects; call only once the body has been read.

    After the body, the server's `receive` blocks until the connection closes and then
    says `http.disconnect` (uvicorn, hypercorn, Starlette middleware alike).
    """
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return
        await asyncio.sleep(0.05)  # a server that repeats empty bodies must not spin us


async def _read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ServiceError(413, f"the body is {declared} bytes; the limit is {limit}", "bad_input")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ServiceError(413, f"the body is over the {limit}-byte limit", "bad_input")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise ServiceError(400, 'the body is empty: send JSON such as {"text": "..."}', "bad_input")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ServiceError(
            400, f'the body is not valid JSON ({exc}); send e.g. {{"text": "..."}}', "bad_input"
        ) from None


def _validate(model: type[Any], body: Any) -> Any:
    if not isinstance(body, dict):
        raise ServiceError(
            422, 'the body must be a JSON object such as {"text": "..."}', "bad_input"
        )
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ServiceError(422, describe_validation_error(exc), "bad_input") from None


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)
