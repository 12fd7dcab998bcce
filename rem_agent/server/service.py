"""The service behind the endpoints: one agent, its scheduler, its metrics and the model's
loading state. It knows HTTP only through `ServiceError`, which carries the status and
headers the answer gets (`rem_agent.server.routing` writes it).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

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
from rem_agent.server.schemas import OverloadedBody, ServerSettings, TranslateRequest

log = logging.getLogger("rem_agent.server")

LoadState = Literal["idle", "loading", "ready", "failed"]


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
        tz = req.tz or self.agent.defaults.tz
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
            result = self.agent.answer(prepared, cancel=cancel)  # prepared once, not again
            if result.source == "model":
                self.metrics.generation()
            return result

        deadline = (
            asyncio.get_running_loop().time()
            + self.settings.deadline_s
            - (time.perf_counter() - started)
        )
        try:
            result, shared = await self.scheduler.schedule(key, work, deadline=deadline)
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
            "default_profile": self.agent.defaults.profile.value,
            "tz": self.agent.defaults.tz,
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
