"""End to end: `rem-agent repl` in a real pseudo-terminal with the bundled model."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

ROOT = Path(__file__).resolve().parent.parent
STEP_TIMEOUT = 150  # seconds; a translation takes 1-3 s on a quiet machine, far more on a busy one


class Terminal:
    """A child in a pty that answers the cursor-position requests prompt_toolkit sends."""

    def __init__(self, child) -> None:  # type: ignore[no-untyped-def]
        self.child = child

    def wait(self, pattern: str, timeout: float = STEP_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = max(1.0, deadline - time.monotonic())
            if self.child.expect([pattern, r"\x1b\[6n"], timeout=left) == 0:
                return self.child.after
            self.child.send("\x1b[10;1R")  # "the cursor is on row 10": lets the toolbar draw


@pytest.mark.model
@pytest.mark.slow
def test_repl_in_a_real_terminal(bundled_gguf: Path, tmp_path: Path) -> None:
    from rem_agent.models.registry import cache_root

    env = dict(
        os.environ,
        TERM="xterm-256color",
        HOME=str(tmp_path),
        REM_AGENT_CONFIG_DIR=str(tmp_path / "config"),
        REM_AGENT_DATA_DIR=str(tmp_path / "data"),
        REM_AGENT_CACHE_DIR=str(cache_root()),  # the bundled model, already joined
    )
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "rem_agent", "repl", "--now", "2026-11-26T10:30:00"],
        env=env,
        cwd=str(ROOT),
        encoding="utf-8",
        dimensions=(30, 140),
        timeout=STEP_TIMEOUT,
    )
    child.logfile_read = (tmp_path / "terminal.log").open("w")  # kept by pytest for post-mortems
    term = Terminal(child)
    try:
        started = time.monotonic()
        term.wait("rem>", timeout=30)
        assert time.monotonic() - started < 30  # the prompt does not wait for the model
        term.wait("profile rem")  # the toolbar
        term.wait("ready")  # ... which reports the model once it is loaded

        child.send("who is sarah chen\r")
        term.wait(r"\x1b\[[0-9;]*m\s*LOOKUP")  # highlighted: a colour escape, then the keyword
        term.wait('"Sarah Chen"')
        term.wait("rem>")

        child.send("SELECT * FROM resources WHERE tags = 'x'\r")
        term.wait("unknown field `tags`", timeout=20)  # no model involved: at once
        term.wait(
            r"\n(?:\x1b\[[0-9;]*m)* {32}(?:\x1b\[[0-9;]*m)+\^", timeout=20
        )  # the caret under `tags`, in red
        term.wait("rem>")

        child.send("notes about the kafka migration from last month\r")
        term.wait("translating")
        child.send("\x03")
        term.wait("translation cancelled", timeout=10)  # back at once, not when the model ends
        term.wait("rem>", timeout=10)

        child.send('lookup "still alive"\r')  # the session survived the cancel
        term.wait(r'LOOKUP(?:\x1b\[[0-9;]*m)* (?:\x1b\[[0-9;]*m)*"still alive"', timeout=20)
        term.wait("rem>")

        child.send("\x04")
        child.expect(pexpect.EOF, timeout=60)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)
    assert (tmp_path / "data" / "repl-history").read_text().count("who is sarah chen") == 1
