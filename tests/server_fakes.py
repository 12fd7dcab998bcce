"""Doubles and helpers for the server tests: a gated engine and uvicorn in a thread.

The engine double goes through the real agent, scheduler and HTTP code; only the
model is replaced. Its answer is computed from the request text the prompt carries,
so a response given to the wrong client is detectable.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fakes import FakeEngine, fake_generation

from rem_agent.agent import Cancelled
from rem_agent.engines.base import ChatMessage, DecodeParams, Engine, Generation

_REQUEST_LINE = re.compile(r"^Request: (.*)$", re.MULTILINE)


def request_of(messages: list[ChatMessage]) -> str:
    """The user's request as the prompt's last message carries it."""
    match = _REQUEST_LINE.search(messages[-1].content)
    assert match is not None, messages[-1].content
    return match.group(1)


def expected_query(request: str) -> str:
    """What `GatedEngine` answers for a request (tests compute it independently)."""
    return f'SEARCH "{request}" IN resources'


class GatedEngine(FakeEngine):
    """An engine double: answers `SEARCH "<request>" IN resources`.

    Requests containing a word in `gated_words` block until `release` is set or their
    cancel event is set (then they raise `Cancelled`, as the real engines do per token).
    With `honour_cancel=False` it ignores cancel events, as an engine that only checks
    before and after decoding would. `delay_s` simulates decode time. It records every call and checks it is never
    entered by two threads at once (llama.cpp is not re-entrant).
    """

    name = "gated"
    model_name = "gated-model"

    def __init__(
        self,
        *,
        gated_words: tuple[str, ...] = ("slow",),
        delay_s: float = 0.0,
        load_gate: threading.Event | None = None,
        answer: Callable[[str], str] = expected_query,
        honour_cancel: bool = True,
    ) -> None:
        super().__init__()
        self.gated_words = gated_words
        self.delay_s = delay_s
        self.load_gate = load_gate
        self.answer = answer
        self.honour_cancel = honour_cancel
        self.release = threading.Event()
        self.started: list[str] = []
        self.finished: list[str] = []
        self.cancels: dict[str, threading.Event] = {}
        self.max_concurrent = 0
        self._active = 0
        self._cond = threading.Condition()

    def load(self, progress: Callable[[str], None] | None = None) -> None:
        if self.load_gate is not None:
            assert self.load_gate.wait(30), "load gate never opened"
        super().load(progress)

    def answer_for(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        request, cancel = request_of(messages), params.cancel
        with self._cond:
            self._active += 1
            self.max_concurrent = max(self.max_concurrent, self._active)
            self.started.append(request)
            if cancel is not None:
                self.cancels[request] = cancel
            self._cond.notify_all()
        try:
            if any(w in request.split() for w in self.gated_words):
                while not self.release.is_set():
                    if self.honour_cancel and cancel is not None and cancel.is_set():
                        raise Cancelled("cancelled while decoding")
                    time.sleep(0.005)
            elif self.delay_s:
                time.sleep(self.delay_s)
            text = self.answer(request)
        finally:
            with self._cond:
                self._active -= 1
                self.finished.append(request)
                self._cond.notify_all()
        return fake_generation(text)

    def wait_started(self, request: str, timeout: float = 10.0) -> threading.Event | None:
        """Block until `request` reaches the model; returns its cancel event."""
        with self._cond:
            ok = self._cond.wait_for(lambda: request in self.started, timeout)
        assert ok, f"{request!r} never reached the model (started: {self.started})"
        return self.cancels.get(request)

    def wait_finished(self, request: str, timeout: float = 10.0) -> None:
        with self._cond:
            ok = self._cond.wait_for(lambda: request in self.finished, timeout)
        assert ok, f"{request!r} never finished (finished: {self.finished})"


class ServerThread:
    """A real uvicorn server on a free loopback port, in a background thread."""

    def __init__(self, app: Callable[..., Any]) -> None:
        # proto=TCP: asyncio sets TCP_NODELAY only on sockets that say so (else 40 ms ACK stalls).
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn exited during start-up"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.sock.close()


@contextmanager
def serving(app: Callable[..., Any]) -> Iterator[ServerThread]:
    server = ServerThread(app).start()
    try:
        yield server
    finally:
        server.stop()


def raw_request(port: int, body: bytes, path: str = "/v1/translate") -> socket.socket:
    """Send a POST on a raw socket and return it unread (to disconnect on purpose)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    sock.sendall(head.encode() + body)
    return sock


def _is_engine(engine: GatedEngine) -> Engine:
    return engine  # mypy proves the double satisfies the protocol
