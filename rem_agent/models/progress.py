"""Progress reporting for slow model work (joining, hashing, converting), on stderr."""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO


class Progress(Protocol):
    """Called as work advances: `stage` names the step, `done`/`total` count its units.

    `total == 0` means the size is unknown; `done == total` marks the end of a stage.
    """

    def __call__(self, stage: str, done: int, total: int) -> None: ...


def no_progress(stage: str, done: int, total: int) -> None:
    """The silent default."""


class StderrProgress:
    """Prints one live line per stage on a terminal, or start/end lines otherwise.

    Updates are throttled so hashing half a gigabyte does not spend its time printing.
    """

    def __init__(self, stream: TextIO | None = None, *, interval: float = 0.2) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._interval = interval
        self._stage: str | None = None
        self._started = 0.0
        self._last = 0.0
        self._live = bool(getattr(self._stream, "isatty", lambda: False)())

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self._stage:
            self._stage, self._started, self._last = stage, now, 0.0
            if not self._live:
                self._write(f"rem-agent: {stage}...\n")
        finished = total > 0 and done >= total
        if self._live and (finished or now - self._last >= self._interval):
            self._last = now
            pct = f"{100 * done / total:5.1f}%" if total > 0 else f"{done}"
            self._write(f"\rrem-agent: {stage} {pct}")
        if finished:
            elapsed = now - self._started
            if self._live:
                self._write(f"\rrem-agent: {stage} done in {elapsed:.1f}s\n")
            else:
                self._write(f"rem-agent: {stage} done in {elapsed:.1f}s\n")
            self._stage = None

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            pass  # a closed or broken stderr must not break model loading
