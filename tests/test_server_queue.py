"""One model, many clients, over real loopback HTTP: the bounded queue (503), deadlines
(504), coalescing, cancellation when a client disconnects, and 200 concurrent clients."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import httpx
from server_fakes import GatedEngine, ServerThread, expected_query, raw_request, serving

from rem_agent.agent import RemAgent
from rem_agent.server import RemService, ServerSettings, create_app


@contextmanager
def service(
    engine: GatedEngine, **settings: float
) -> Iterator[tuple[ServerThread, RemService, httpx.Client]]:
    app = create_app(RemAgent(engine_instance=engine), ServerSettings(**settings))  # type: ignore[arg-type]
    with serving(app) as srv, httpx.Client(base_url=srv.url, timeout=30) as client:
        until(lambda: client.get("/healthz").status_code == 200)
        yield srv, app.service, client


def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.005)


def post_later(pool: ThreadPoolExecutor, client: httpx.Client, text: str) -> Future[httpx.Response]:
    return pool.submit(client.post, "/v1/translate", json={"text": text})


def counter(client: httpx.Client, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {name!r}")


def test_a_full_queue_answers_503_with_retry_after() -> None:
    engine = GatedEngine()
    with (
        service(engine, max_queue=2) as (_srv, svc, client),
        ThreadPoolExecutor(4) as pool,
    ):
        running = post_later(pool, client, "slow first")
        engine.wait_started("slow first")
        queued = [post_later(pool, client, t) for t in ("queued second", "queued third")]
        until(lambda: svc.scheduler.depth == 2)
        r = client.post("/v1/translate", json={"text": "one too many"})
        assert r.status_code == 503
        assert "busy" in r.json()["error"]
        assert int(r.headers["retry-after"]) >= 1
        assert counter(client, 'rem_agent_errors_total{kind="queue_full"}') == 1
        engine.release.set()
        for future, text in zip(
            [running, *queued], ["slow first", "queued second", "queued third"], strict=True
        ):
            response = future.result(10)
            assert response.status_code == 200
            assert response.json()["query"] == expected_query(text)
        assert "one too many" not in engine.started


def test_the_deadline_answers_504_and_frees_the_model() -> None:
    # This engine ignores cancel events, so the first job outlives its deadline and the
    # second one's deadline passes while it is still queued.
    engine = GatedEngine(honour_cancel=False)
    with service(engine, deadline_s=0.5) as (_srv, svc, client), ThreadPoolExecutor(2) as pool:
        running = post_later(pool, client, "slow and late")
        cancel = engine.wait_started("slow and late")
        queued = post_later(pool, client, "queued and late")
        until(lambda: svc.scheduler.depth == 1)
        started = time.monotonic()
        r = running.result(10)
        assert r.status_code == 504 and "no answer within 0.5 s" in r.json()["error"]
        assert queued.result(10).status_code == 504
        assert time.monotonic() - started < 3
        # No one waits any more: the running job's cancel event is set, the queued one dropped.
        assert cancel is not None and cancel.is_set()
        assert svc.scheduler.depth == 0
        engine.release.set()
        engine.wait_finished("slow and late")
        assert "queued and late" not in engine.started
        assert counter(client, 'rem_agent_errors_total{kind="deadline"}') == 2
        assert counter(client, 'rem_agent_cancelled_total{where="queued"}') == 1
        # The model is free again for the next request.
        r = client.post("/v1/translate", json={"text": "prompt after the deadline"})
        assert r.status_code == 200


def test_identical_concurrent_requests_share_one_generation() -> None:
    engine = GatedEngine()
    with service(engine) as (_srv, svc, client), ThreadPoolExecutor(3) as pool:
        first = post_later(pool, client, "slow shared request")
        engine.wait_started("slow shared request")
        second = post_later(pool, client, "slow   shared request")  # same after cleaning
        until(lambda: svc.scheduler.waiting == 2)
        engine.release.set()
        a, b = first.result(10), second.result(10)
        assert a.status_code == b.status_code == 200
        assert a.json()["query"] == b.json()["query"] == expected_query("slow shared request")
        assert engine.started.count("slow shared request") == 1
        assert counter(client, 'rem_agent_translations_total{source="coalesced"}') == 1
        assert counter(client, "rem_agent_generations_total") == 1


def test_a_disconnected_client_cancels_its_job_and_the_model_moves_on() -> None:
    engine = GatedEngine()  # "slow" requests block until cancelled; the gate never opens
    with service(engine) as (srv, svc, client):
        typing = raw_request(srv.port, json.dumps({"text": "slow kafka noets"}).encode())
        cancel = engine.wait_started("slow kafka noets")
        assert cancel is not None and not cancel.is_set()
        stale = raw_request(srv.port, json.dumps({"text": "kafka not"}).encode())
        until(lambda: svc.scheduler.depth == 1)

        stale.close()  # the user kept typing: the queued job goes
        until(lambda: svc.scheduler.depth == 0)
        typing.close()  # and the running one is cancelled
        until(cancel.is_set, timeout=5)
        engine.wait_finished("slow kafka noets")

        started = time.monotonic()
        r = client.post("/v1/translate", json={"text": "kafka notes"})
        assert r.status_code == 200 and r.json()["query"] == expected_query("kafka notes")
        assert time.monotonic() - started < 5
        assert "kafka not" not in engine.started
        assert counter(client, 'rem_agent_cancelled_total{where="queued"}') == 1
        assert counter(client, 'rem_agent_cancelled_total{where="running"}') == 1
        assert counter(client, 'rem_agent_errors_total{kind="disconnected"}') == 2


def test_a_shared_job_survives_one_of_its_clients_leaving() -> None:
    engine = GatedEngine()
    with service(engine) as (srv, svc, client), ThreadPoolExecutor(1) as pool:
        staying = post_later(pool, client, "slow common words")
        cancel = engine.wait_started("slow common words")
        leaving = raw_request(srv.port, json.dumps({"text": "slow common words"}).encode())
        until(lambda: svc.scheduler.waiting == 2)
        leaving.close()
        until(lambda: svc.scheduler.waiting == 1)
        assert cancel is not None and not cancel.is_set()
        engine.release.set()
        r = staying.result(10)
        assert r.status_code == 200 and r.json()["query"] == expected_query("slow common words")


def test_200_concurrent_clients_each_get_their_own_answer() -> None:
    engine = GatedEngine(delay_s=0.001)
    n = 200
    texts = [f"notes about project {i} from client {i * 7919 % 1000}" for i in range(n)]

    async def storm(url: str) -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            return await asyncio.gather(
                *(client.post("/v1/translate", json={"text": t}) for t in texts)
            )

    with service(engine, max_queue=256, deadline_s=60) as (srv, _svc, client):
        responses = asyncio.run(storm(srv.url))
        assert len(responses) == n
        for text, response in zip(texts, responses, strict=True):
            assert response.status_code == 200, response.text
            assert response.json()["query"] == expected_query(text)
        assert sorted(engine.started) == sorted(texts)  # each ran once, none lost
        assert engine.max_concurrent == 1  # the model never ran two generations at once
        assert counter(client, "rem_agent_generations_total") == n
