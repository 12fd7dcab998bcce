"""`ModelWorker`: the one way rem-agent runs the model off the caller's thread.

An engine is not re-entrant, and loading and decoding are best done from one thread, so
each owner (the agent's async API, the REPL, the server's scheduler) keeps one worker:
one daemon thread that runs submitted calls in order. A daemon rather than a
`ThreadPoolExecutor`: the interpreter joins executor threads at exit, so Ctrl-C would
wait for a running generation (a minute on a busy CPU) unless the engine honours its
cancel event.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_Item = tuple["concurrent.futures.Future[Any]", Callable[..., Any], tuple[Any, ...]]


class ModelWorker:
    """Runs submitted calls one at a time on its own daemon thread, started on first use."""

    def __init__(self, name: str = "rem-model") -> None:
        self.name = name
        self._inbox: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, fn: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        """`fn(*args)` in the worker thread, after what was submitted before; a call
        cancelled before it starts is skipped."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self._thread.start()
        self._inbox.put((future, fn, args))
        return future

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`submit`, awaited without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def close(self) -> None:
        """Let the thread end once the calls submitted so far are done."""
        with self._start_lock:
            if self._thread is not None:
                self._inbox.put(None)
                self._thread = None

    def _serve(self) -> None:
        while (item := self._inbox.get()) is not None:
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the waiter, never lost in this thread
                future.set_exception(exc)
            else:
                future.set_result(result)
