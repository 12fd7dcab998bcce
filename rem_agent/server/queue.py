"""The scheduler in front of the one loaded model.

A search bar sends a request at every typing pause, from many users at once, to a model
that can run one generation at a time (llama.cpp is not re-entrant). So:

- jobs wait in a bounded FIFO queue; a full queue refuses at once (`QueueFull`) instead
  of letting latency grow without limit;
- one worker runs the jobs, one at a time, in a dedicated thread, off the event loop;
- identical requests in flight (same key) share one job and one generation;
- each waiter has a deadline (`DeadlineExceeded`);
- a job whose waiters have all gone away (the user kept typing) is cancelled: removed
  if still queued, its cancel event set if running, so the model moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import queue
import threading
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from rem_agent.server.metrics import Metrics

T = TypeVar("T")
JobState = Literal["queued", "running", "done"]


class QueueFull(Exception):
    """Too many jobs are waiting for the model; retry after `retry_after` seconds."""

    def __init__(self, depth: int, retry_after: int) -> None:
        super().__init__(f"{depth} requests are already waiting for the model")
        self.depth = depth
        self.retry_after = retry_after


class DeadlineExceeded(Exception):
    """The answer did not come within the request's deadline."""


class SchedulerClosed(Exception):
    """The service is shutting down."""


@dataclass(eq=False)
class Job(Generic[T]):
    """One unit of model work and everyone waiting for it."""

    key: Hashable
    work: Callable[[threading.Event], T]
    future: asyncio.Future[T]
    cancel: threading.Event = field(default_factory=threading.Event)
    waiters: int = 1
    state: JobState = "queued"


class Scheduler(Generic[T]):
    """Bounded queue + single model worker + coalescing + cancellation.

    `run(key, work, deadline=...)` returns `(result, shared)`; `work(cancel_event)` runs
    in the model thread and should stop early (raise) once the event is set. `shared` is
    True when the caller joined a job another request had already started.
    """

    def __init__(self, *, max_queue: int, metrics: Metrics | None = None) -> None:
        self.max_queue = max_queue
        self.metrics = metrics or Metrics()
        self._queue: deque[Job[T]] = deque()
        self._inflight: dict[Hashable, Job[T]] = {}
        self._running: Job[T] | None = None
        self._wakeup: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._model_thread: ModelThread | None = None
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        # Moving average of a job's run time, for Retry-After (seeded with a typical run).
        self._avg_job_s = 1.0

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Start the worker on the running event loop (idempotent)."""
        if self._worker is not None:
            return
        self._closed = False
        self._wakeup = asyncio.Event()
        self._model_thread = ModelThread()
        self._loop = asyncio.get_running_loop()
        self._worker = asyncio.get_running_loop().create_task(self._work_loop(), name="rem-model")

    def abort(self, reason: str = "the service is shutting down") -> None:
        """Fail every waiting request now (`SchedulerClosed`) and cancel every job."""
        self._closed = True
        for job in [*self._queue, *([self._running] if self._running else [])]:
            job.cancel.set()
            if not job.future.done():
                job.future.set_exception(SchedulerClosed(reason))
        self._queue.clear()
        self._inflight.clear()

    def abort_soon(self, reason: str = "the service is shutting down") -> None:
        """`abort` from any thread or a signal handler (it runs on the event loop)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.abort, reason)

    async def stop(self) -> None:
        """Cancel every job and stop the worker; a running generation is abandoned."""
        self.abort()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._model_thread is not None:
            self._model_thread.close()
            self._model_thread = None

    @property
    def started(self) -> bool:
        return self._worker is not None

    async def in_model_thread(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` in the model thread, in turn with the jobs (loading the model, say:
        some engines want to be loaded and used from the same thread)."""
        if self._model_thread is None:
            raise SchedulerClosed("the service is not running")
        return await self._model_thread.submit(fn)

    # -- state ------------------------------------------------------------------

    @property
    def depth(self) -> int:
        """Jobs waiting (not counting the one running)."""
        return len(self._queue)

    @property
    def waiting(self) -> int:
        """Requests waiting for an answer (several may share one job)."""
        return sum(job.waiters for job in self._inflight.values())

    @property
    def busy(self) -> bool:
        return self._running is not None

    def retry_after(self) -> int:
        """Seconds until the queue has likely drained by one place (at least 1)."""
        return max(1, min(60, math.ceil((self.depth + 1) * self._avg_job_s)))

    # -- requests -----------------------------------------------------------------

    async def run(
        self, key: Hashable, work: Callable[[threading.Event], T], *, deadline: float
    ) -> tuple[T, bool]:
        """Wait for the answer to `key` until `deadline` (event-loop time).

        Raises `QueueFull`, `DeadlineExceeded`, whatever `work` raised, or
        `asyncio.CancelledError` when the caller is cancelled (its job is dropped if no
        one else waits for it).
        """
        if self._closed or self._worker is None:
            raise SchedulerClosed("the service is not running")
        job = self._inflight.get(key)
        shared = job is not None
        if job is not None:
            job.waiters += 1
        else:
            if len(self._queue) >= self.max_queue:
                raise QueueFull(len(self._queue), self.retry_after())
            job = Job(key=key, work=work, future=asyncio.get_running_loop().create_future())
            self._queue.append(job)
            self._inflight[key] = job
            assert self._wakeup is not None
            self._wakeup.set()
        try:
            async with asyncio.timeout_at(deadline):
                # shield: one waiter leaving must not cancel the job the others share.
                result = await asyncio.shield(job.future)
        except TimeoutError:
            self._leave(job)
            raise DeadlineExceeded("no answer within the deadline") from None
        except asyncio.CancelledError:
            self._leave(job)
            raise
        return result, shared

    def _leave(self, job: Job[T]) -> None:
        job.waiters -= 1
        if job.waiters > 0 or job.future.done():
            return
        # Nobody wants this answer any more: free the model for requests that matter.
        job.cancel.set()
        job.future.cancel()
        if self._inflight.get(job.key) is job:
            del self._inflight[job.key]
        if job.state == "queued":
            with contextlib.suppress(ValueError):
                self._queue.remove(job)
            self.metrics.cancel("queued")
        elif job.state == "running":
            self.metrics.cancel("running")

    # -- the worker -----------------------------------------------------------------

    async def _work_loop(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._wakeup is not None and self._model_thread is not None
        model_thread = self._model_thread
        while True:
            while not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            job = self._queue.popleft()
            job.state = "running"
            self._running = job
            started = loop.time()
            try:
                result = await model_thread.submit(job.work, job.cancel)
            except asyncio.CancelledError:
                job.cancel.set()
                raise
            except Exception as exc:
                if not job.future.done():
                    job.future.set_exception(exc)
            else:
                if not job.future.done():
                    job.future.set_result(result)
            finally:
                job.state = "done"
                self._running = None
                if self._inflight.get(job.key) is job:
                    del self._inflight[job.key]
            elapsed = loop.time() - started
            self._avg_job_s = 0.8 * self._avg_job_s + 0.2 * elapsed


class ModelThread:
    """The one thread that calls the model (its engine is not re-entrant).

    A daemon thread rather than a `ThreadPoolExecutor`: the interpreter joins executor
    threads at exit, so Ctrl-C would wait for a running generation (a minute on a busy
    CPU) unless the engine honours its cancel event.
    """

    def __init__(self) -> None:
        self._inbox: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="rem-model", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., T], *args: object) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._inbox.put((loop, future, fn, args))
        return future

    def close(self) -> None:
        self._inbox.put(None)

    def _run(self) -> None:
        while (item := self._inbox.get()) is not None:
            loop, future, fn, args = item
            try:
                outcome = (True, fn(*args))
            except BaseException as exc:  # handed to the waiting coroutine, not lost
                outcome = (False, exc)
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(_settle, future, outcome)


def _settle(future: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if future.done():  # the waiter was cancelled
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
