"""Load shedding over real loopback HTTP: a request the queue cannot answer before its
deadline gets 503 at once with an honest Retry-After, the others are answered in time,
and the measured service rate shows in /v1/info and /metrics."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from server_fakes import GatedEngine, ServerThread, expected_query, serving

from rem_agent.agent import RemAgent
from rem_agent.server import RemService, ServerSettings, create_app
from rem_agent.server.queue import Scheduler, ServiceEstimate

# The engine double sleeps this long per request. With the agent's own few milliseconds
# per job, DEADLINE / service time is about 5.5: five places answer in time, with room to
# spare both ways, so CPU noise from other jobs does not move the boundary.
SERVICE_S = 0.4
DEADLINE_S = 2.3


@contextmanager
def service(**settings: float) -> Iterator[tuple[ServerThread, RemService, httpx.Client]]:
    engine = GatedEngine(delay_s=SERVICE_S)
    app = create_app(RemAgent(engine_instance=engine), ServerSettings(**settings))  # type: ignore[arg-type]
    with serving(app) as srv, httpx.Client(base_url=srv.url, timeout=30) as client:
        deadline = time.monotonic() + 10
        while client.get("/healthz").status_code != 200:
            assert time.monotonic() < deadline, "the server never became ready"
            time.sleep(0.01)
        yield srv, app.service, client


@dataclass
class Reply:
    text: str
    status: int
    seconds: float
    headers: httpx.Headers
    body: dict


def burst(url: str, texts: list[str]) -> list[Reply]:
    """Send every request at once, each on its own connection; time each answer."""

    async def one(http: httpx.AsyncClient, text: str) -> Reply:
        started = time.perf_counter()
        r = await http.post("/v1/translate", json={"text": text})
        return Reply(text, r.status_code, time.perf_counter() - started, r.headers, r.json())

    async def run() -> list[Reply]:
        limits = httpx.Limits(max_connections=len(texts), max_keepalive_connections=len(texts))
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
            return list(await asyncio.gather(*(one(http, t) for t in texts)))

    return asyncio.run(run())


def metric(client: httpx.Client, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {name!r}")


def check_refusal(reply: Reply, whole_budget_s: float) -> None:
    """A 503 says at once, with figures that add up, when to come back."""
    assert reply.status == 503, reply.body
    assert reply.seconds < DEADLINE_S / 2, f"{reply.text!r} was held {reply.seconds:.2f} s"
    header = reply.headers["retry-after"]
    assert header.isdigit() and int(header) >= 1
    body = reply.body
    assert "busy" in body["error"] and f"retry in {header} s" in body["error"]
    assert body["retry_after_s"] == int(header)
    service_s, ahead = body["service_time_s"], body["queue_ahead"]
    assert SERVICE_S <= service_s < SERVICE_S * 1.5
    assert body["expected_wait_s"] == pytest.approx((ahead + 1) * service_s)
    assert body["expected_wait_s"] > body["time_left_s"]
    # Room comes when few enough jobs are left that a new request would be in time.
    fits = max(0, math.floor(whole_budget_s / service_s) - 1)
    assert int(header) == max(1, math.ceil((ahead - fits) * service_s))


def test_a_burst_is_answered_in_time_or_refused_at_once() -> None:
    with service(deadline_s=DEADLINE_S, max_queue=64) as (srv, svc, client):
        before = client.get("/v1/info").json()["service"]
        assert before["samples"] == 0 and before["service_time_p50_s"] is None
        assert math.isnan(metric(client, "rem_agent_service_time_p50_seconds"))
        for i in range(3):  # measure the service time
            assert client.post("/v1/translate", json={"text": f"warm up {i}"}).status_code == 200
        stats = client.get("/v1/info").json()["service"]
        assert stats["samples"] == 3 and stats["window"] >= 3
        assert SERVICE_S <= stats["service_time_p50_s"] < SERVICE_S * 1.5
        assert stats["answers_per_s"] == pytest.approx(1 / stats["service_time_mean_s"])

        texts = [f"burst request {i}" for i in range(16)]
        replies = burst(srv.url, texts)
        served = [r for r in replies if r.status == 200]
        refused = [r for r in replies if r.status != 200]
        # About DEADLINE_S / SERVICE_S places fit; everything else is refused, nothing 504s.
        assert 2 <= len(served) <= 8, [(r.text, r.status) for r in replies]
        for reply in served:
            assert reply.body["query"] == expected_query(reply.text)
            assert reply.seconds < DEADLINE_S
        for reply in refused:
            check_refusal(reply, DEADLINE_S)
        assert metric(client, 'rem_agent_errors_total{kind="overloaded"}') == len(refused)
        assert metric(client, 'rem_agent_errors_total{kind="deadline"}') == 0
        assert svc.scheduler.estimate.samples == 3 + len(served)

        # Retry-After is honest: after it, a retry is let in and answered in time.
        time.sleep(max(int(r.headers["retry-after"]) for r in refused))
        r = client.post("/v1/translate", json={"text": "after the burst"})
        assert r.status_code == 200 and r.json()["query"] == expected_query("after the burst")

        info = client.get("/v1/info").json()["service"]
        p50 = metric(client, "rem_agent_service_time_p50_seconds")
        assert info["service_time_p50_s"] == pytest.approx(p50, rel=1e-4)
        rate = metric(client, "rem_agent_service_rate_per_second")
        assert rate == pytest.approx(info["answers_per_s"], rel=1e-4)
        assert 1 / (SERVICE_S * 1.5) < rate <= 1 / SERVICE_S
        assert metric(client, "rem_agent_service_samples") == info["samples"]


def test_a_burst_before_anything_is_measured_is_cut_once_a_job_finishes() -> None:
    # A cold server lets the whole burst in (it knows no service time yet); the first
    # finished job gives the estimate, and the queued jobs that can no longer make their
    # deadline are refused then, not at the deadline.
    with service(deadline_s=DEADLINE_S, max_queue=64) as (srv, _svc, client):
        texts = [f"cold burst {i}" for i in range(12)]
        replies = burst(srv.url, texts)
        served = [r for r in replies if r.status == 200]
        refused = [r for r in replies if r.status != 200]
        assert 2 <= len(served) <= 8, [(r.text, r.status) for r in replies]
        for reply in served:
            assert reply.body["query"] == expected_query(reply.text)
            assert reply.seconds < DEADLINE_S
        for reply in refused:
            check_refusal(reply, DEADLINE_S)
        assert metric(client, 'rem_agent_errors_total{kind="deadline"}') == 0


# -- the estimate and the arithmetic, without a server ----------------------------------


def test_the_estimate_keeps_only_a_window_of_recent_jobs() -> None:
    estimate = ServiceEstimate(window=4)
    assert estimate.mean_s() is None and estimate.p50_s() is None
    for seconds in (10.0, 10.0, 1.0, 1.0, 1.0, 3.0):
        estimate.record(seconds)
    assert estimate.samples == 4  # the two slow runs of long ago are gone
    assert estimate.mean_s() == pytest.approx(1.5)
    assert estimate.p50_s() == pytest.approx(1.0)


def test_retry_after_counts_the_jobs_that_must_finish_first() -> None:
    scheduler: Scheduler[str] = Scheduler(max_queue=8)
    for _ in range(3):
        scheduler.estimate.record(2.0)
    # Nothing ahead: no wait, but a Retry-After is never below 1 s.
    assert scheduler.retry_after(30.0) == 1
    assert scheduler._overloaded(0, 0.5, 30.0) is None  # a free model is always tried
    refused = scheduler._overloaded(10, 10.0, 10.0)
    # 10 ahead at 2 s: an answer in 22 s, past 10 s. A 10 s budget fits 4 ahead, so 6 jobs
    # must finish first: 12 s.
    assert refused is not None and refused.expected_s == pytest.approx(22.0)
    assert refused.retry_after == 12
    assert scheduler._overloaded(4, 10.0, 10.0) is None  # 4 ahead: answered at 10 s
    # A full queue has room once the running job finishes, whatever the deadline.
    assert scheduler.retry_after(math.inf, full=True) == 2
    assert scheduler.retry_after(30.0, full=True, ahead=20) == 12  # 30 s fits 14 ahead
