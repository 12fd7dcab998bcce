"""`rem-agent serve` as a real process with the bundled model: start, answer, stop on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from rem_agent.rem.check import check_rem

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_serve_answers_with_the_real_model_and_stops_on_ctrl_c(bundled_gguf: Path) -> None:
    proc = subprocess.Popen(
        # A generous deadline: the shared test machine is often ten times slower than usual.
        [sys.executable, "-m", "rem_agent", "serve", "--port", "0", "--deadline", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    listening = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "listening on" in line:
                listening.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert listening.wait(60), "".join(lines)
        url = re.search(r"listening on (http://\S+)", "".join(lines)).group(1)  # type: ignore[union-attr]
        with httpx.Client(base_url=url, timeout=900) as client:
            deadline = time.monotonic() + 300
            while (health := client.get("/healthz")).status_code != 200:
                assert health.json()["status"] == "loading", health.text
                assert time.monotonic() < deadline, "the model never loaded"
                time.sleep(0.2)
            info = client.get("/v1/info").json()
            assert info["state"] == "ready" and info["model"] != "default"
            r = client.post(
                "/v1/translate",
                json={"text": "meetings I had yesterday", "now": "2026-11-26T10:30:00Z"},
            )
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["valid"] is True, body
            assert body["source"] == "model" and body["engine"] == info["engine"]
            assert check_rem(body["query"]).valid
            # the resolved dates are in the query: the grammar only allows those literals
            assert "'2026-11-25'" in body["query"] and "'2026-11-26'" in body["query"]
            again = client.post(
                "/v1/translate",
                json={"text": "meetings I had yesterday", "now": "2026-11-26T11:00:00Z"},
            ).json()
            assert again["source"] == "cache" and again["query"] == body["query"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
    reader.join(5)
    assert code == 0, "".join(lines)
    assert "Traceback" not in "".join(lines)
    assert any("stopped" in line for line in lines)
