"""REPL responsiveness: per-keystroke highlight + completion cost, and time to the first prompt.

    python bench/bench_repl.py            # add --no-pty to skip the terminal start-up timing

The keystroke figures replay typing each input one character at a time through the REPL's lexer
and completer (what prompt_toolkit runs on every key). The start-up figure spawns
`rem-agent repl` in a pseudo-terminal and times the first prompt (the model loads afterwards,
in the background) and the toolbar's "ready".
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from rem_agent.rem.catalog import default_catalog
from rem_agent.repl.completion import RemCompleter
from rem_agent.repl.lexer import lex

INPUTS = [
    "who is sarah chen",
    "SELECT * FROM moments WHERE moment_type = 'meeting' AND resource_timestamp >= '2026-11-25'",
    'TRAVERSE manages,reports-to WITH LOOKUP "Sally" DEPTH 2',
    "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'",
]


def keystrokes() -> list[tuple[str, int, float, float]]:
    completer = RemCompleter(default_catalog())
    rows = []
    for text in INPUTS:
        times = []
        for i in range(1, len(text) + 1):
            prefix = text[:i]
            start = time.perf_counter()
            lex(prefix)
            list(completer.get_completions(Document(prefix), CompleteEvent()))
            times.append((time.perf_counter() - start) * 1000)
        rows.append((text[:40], len(text), statistics.median(times), max(times)))
    return rows


def startup() -> tuple[float, float]:
    import pexpect

    from rem_agent.models.registry import cache_root

    tmp = tempfile.mkdtemp()
    env = dict(
        os.environ,
        TERM="xterm-256color",
        REM_AGENT_CONFIG_DIR=tmp,
        REM_AGENT_DATA_DIR=tmp,
        REM_AGENT_CACHE_DIR=str(cache_root()),
    )
    started = time.monotonic()
    child = pexpect.spawn(
        sys.executable, ["-m", "rem_agent", "repl"], env=env, encoding="utf-8", timeout=120
    )
    marks: dict[str, float] = {}
    try:
        for what in ("rem>", "ready"):
            while child.expect([what, r"\x1b\[6n"]) == 1:
                child.send("\x1b[10;1R")
            marks[what] = time.monotonic() - started
        child.send("\x04")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return marks["rem>"], marks["ready"]


def main() -> None:
    print(f"{'input':42} {'chars':>5} {'median ms/key':>14} {'max ms/key':>11}")
    for text, n, median, worst in keystrokes():
        print(f"{text:42} {n:>5} {median:>14.2f} {worst:>11.2f}")
    if "--no-pty" not in sys.argv:
        prompt, ready = startup()
        print(f"\nfirst prompt {prompt:.2f} s   model ready (toolbar) {ready:.2f} s")


if __name__ == "__main__":
    main()
