"""The scheduler in front of the one loaded model.

A search bar sends a request at every typing pause, from many users at once, to a model
that can run one generation at a time (llama.cpp is not re-entrant). So:

- jobs wait in a bounded FIFO queue; a full queue refuses at once (`QueueFull`) instead
  of letting latency grow without limit;
- one worker runs the jobs, one at a time, in a dedicated thread, off the event loop;
- identical requests in flight (same key) share one job and one generation;
- each waiter has a deadline (`DeadlineExceeded`);
- a request that would wait past its deadline is refused at once (`Overloaded`), and so is
  a queued job that can no longer make it once the estimate moves: holding a connection
  for an answer that comes too late helps no one. The wait is foreseen from the queue
  position and `ServiceEstimate`, the model's recent service times;
- a job whose waiters have all gone away (the user kept typing) is cancelled: removed
  if still queued, its cancel event set if running, so the model moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from rem_agent.server.metrics import Metrics
from rem_agent.worker import ModelWorker

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


class Overloaded(Exception):
    """The queue ahead would take longer than the request's deadline: refused at once.

    `retry_after` is the whole seconds until the queue is expected to have room for a
    request with the same deadline.
    """

    def __init__(self, *, ahead: int, service_s: float, budget_s: float, retry_after: int) -> None:
        self.ahead = ahead
        self.service_s = service_s
        self.expected_s = (ahead + 1) * service_s
        self.budget_s = budget_s
        self.retry_after = retry_after
        super().__init__(
            f"{ahead} requests are ahead of this one at about {service_s:.2g} s each, so the "
            f"answer would take about {self.expected_s:.1f} s, more than the "
            f"{budget_s:.1f} s left before its deadline"
        )


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
    deadline: float = math.inf  # the latest of its waiters' deadlines (event-loop time)
    budget_s: float = math.inf  # that waiter's whole time limit, for Retry-After
    run_s: float | None = None  # time the model thread spent in `work` (set by the worker)


class ServiceStats(BaseModel):
    """The model's measured service, as `/v1/info` and `/metrics` show it."""

    model_config = ConfigDict(frozen=True)

    samples: int = Field(description="finished jobs the figures below come from")
    window: int = Field(description="most recent jobs kept")
    service_time_p50_s: float | None = Field(description="median model time per job")
    service_time_mean_s: float | None = Field(description="mean model time per job")
    answers_per_s: float | None = Field(
        description="jobs per second the model finishes while busy (1 / mean)"
    )
    queue_ahead: int = Field(description="jobs a new request would wait behind, running included")
    expected_wait_s: float | None = Field(
        description="foreseen time to answer a new request now: (ahead + 1) x mean"
    )


class ServiceEstimate:
    """Recent model service times: the last `window` finished jobs, nothing older.

    Owned by one `Scheduler` and touched only on its event loop. A window rather than an
    all-time average so the estimate follows the machine (another process taking the
    CPU, a bigger model); its size bounds the memory.
    """

    def __init__(self, window: int = 32) -> None:
        self.window = window
        self._times: deque[float] = deque(maxlen=window)

    def record(self, seconds: float) -> None:
        self._times.append(seconds)

    @property
    def samples(self) -> int:
        return len(self._times)

    def mean_s(self) -> float | None:
        # The mean, not the median, foresees waits: the wait behind k jobs is their sum.
        return statistics.fmean(self._times) if self._times else None

    def p50_s(self) -> float | None:
        return statistics.median(self._times) if self._times else None


class Scheduler(Generic[T]):
    """Bounded queue + single model worker + coalescing + cancellation + shedding.

    `schedule(key, work, deadline=...)` returns `(result, shared)`; `work(cancel_event)` runs
    in the model thread and should stop early (raise) once the event is set. `shared` is
    True when the caller joined a job another request had already started.
    """

    def __init__(self, *, max_queue: int, metrics: Metrics | None = None, window: int = 32) -> None:
        self.max_queue = max_queue
        self.metrics = metrics or Metrics()
        self.estimate = ServiceEstimate(window)
        self._queue: deque[Job[T]] = deque()
        self._inflight: dict[Hashable, Job[T]] = {}
        self._running: Job[T] | None = None
        self._wakeup: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._model_thread: ModelWorker | None = None
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Start the worker on the running event loop (idempotent)."""
        if self._worker is not None:
            return
        self._closed = False
        self._wakeup = asyncio.Event()
        self._model_thread = ModelWorker()
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
        return await self._model_thread.call(fn)

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

    @property
    def ahead(self) -> int:
        """Jobs a new request would wait behind, the running one included."""
        return self.depth + int(self.busy)

    def stats(self) -> ServiceStats:
        mean = self.estimate.mean_s()
        return ServiceStats(
            samples=self.estimate.samples,
            window=self.estimate.window,
            service_time_p50_s=self.estimate.p50_s(),
            service_time_mean_s=mean,
            answers_per_s=None if not mean else 1 / mean,
            queue_ahead=self.ahead,
            expected_wait_s=None if mean is None else (self.ahead + 1) * mean,
        )

    def retry_after(self, budget_s: float, *, full: bool = False, ahead: int | None = None) -> int:
        """Whole seconds (at least 1) until a request with `budget_s` to spare would be let
        in: the queue has a free place (when it is `full`) and few enough jobs are ahead
        (`ahead`, default now's) for an answer in time.

        Before any job has finished, one second per job stands in for the estimate.
        """
        service = self.estimate.mean_s() or 1.0
        ahead = self.ahead if ahead is None else ahead
        # The most jobs ahead that still leave time for this one: (fits + 1) x service.
        fits = ahead if math.isinf(budget_s) else max(0, math.floor(budget_s / service) - 1)
        to_finish = max(1 if full else 0, ahead - fits)
        return max(1, math.ceil(to_finish * service))

    def _overloaded(self, ahead: int, budget_s: float, whole_budget_s: float) -> Overloaded | None:
        """An `Overloaded` when `ahead` jobs would take longer than `budget_s`, else None.

        With nothing measured yet, or nothing ahead, the request is let in: the model is
        free, so trying costs no one else anything, and it gives the estimate a sample
        (an estimate that refused everything could never recover).
        """
        service = self.estimate.mean_s()
        if service is None or ahead == 0 or (ahead + 1) * service <= budget_s:
            return None
        retry = self.retry_after(whole_budget_s, ahead=ahead)
        return Overloaded(ahead=ahead, service_s=service, budget_s=budget_s, retry_after=retry)

    # -- requests -----------------------------------------------------------------

    async def schedule(
        self, key: Hashable, work: Callable[[threading.Event], T], *, deadline: float
    ) -> tuple[T, bool]:
        """Wait for the answer to `key` until `deadline` (event-loop time).

        Raises `QueueFull`, `Overloaded` (the jobs ahead would outlast the deadline),
        `DeadlineExceeded`, whatever `work` raised, or `asyncio.CancelledError` when the
        caller is cancelled (its job is dropped if no one else waits for it).
        """
        if self._closed or self._worker is None:
            raise SchedulerClosed("the service is not running")
        loop = asyncio.get_running_loop()
        budget_s = deadline - loop.time()
        job = self._inflight.get(key)
        shared = job is not None
        if job is not None:
            if job.state == "queued":
                ahead = self._queue.index(job) + int(self.busy)
                if (refused := self._overloaded(ahead, budget_s, budget_s)) is not None:
                    raise refused
                if deadline > job.deadline:
                    job.deadline, job.budget_s = deadline, budget_s
            job.waiters += 1
        else:
            if len(self._queue) >= self.max_queue:
                raise QueueFull(len(self._queue), self.retry_after(budget_s, full=True))
            if (refused := self._overloaded(self.ahead, budget_s, budget_s)) is not None:
                raise refused
            job = Job(
                key=key,
                work=work,
                future=loop.create_future(),
                deadline=deadline,
                budget_s=budget_s,
            )
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
            try:
                result = await model_thread.call(_timed, job)
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
            # A run cut short by its cancel event is no measure of service time.
            if job.run_s is not None and not job.cancel.is_set():
                self.estimate.record(job.run_s)
                self._shed_hopeless(loop.time())

    def _shed_hopeless(self, now: float) -> None:
        """Refuse the queued jobs that the new estimate says cannot finish in time.

        A burst that came before anything was measured was let in whole; this answers
        its tail at once rather than at its deadline.
        """
        kept: deque[Job[T]] = deque()
        for job in self._queue:
            refused = self._overloaded(len(kept), job.deadline - now, job.budget_s)
            if refused is None:
                kept.append(job)
                continue
            job.state = "done"
            if self._inflight.get(job.key) is job:
                del self._inflight[job.key]
            if not job.future.done():
                job.future.set_exception(refused)
        self._queue = kept


def _timed(job: Job[T]) -> T:
    """Run `job.work` and note how long the model thread spent on it: the service time,
    without the wait for the thread (the model loading ahead of it, say)."""
    started = time.perf_counter()
    try:
        return job.work(job.cancel)
    finally:
        job.run_s = time.perf_counter() - started
