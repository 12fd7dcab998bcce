"""The HTTP endpoints over real loopback HTTP: answers, every bad-input path, health, info,
metrics, the OpenAPI description, and the router mounted into another FastAPI app."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from server_fakes import GatedEngine, ServerThread, expected_query, serving

from rem_agent.agent import MAX_REQUEST_CHARS, Prepared, RemAgent, Translation
from rem_agent.rem.catalog import default_catalog
from rem_agent.server import RemService, ServerSettings, create_app, router

NOW = "2026-11-26T10:30:00Z"


def wait_ready(client: httpx.Client, path: str = "/healthz") -> None:
    deadline = time.monotonic() + 10
    while client.get(path).status_code != 200:
        assert time.monotonic() < deadline, "the server never became ready"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def engine() -> GatedEngine:
    return GatedEngine()


@pytest.fixture(scope="module")
def server(engine: GatedEngine) -> Iterator[ServerThread]:
    settings = ServerSettings(max_body_bytes=4096, max_batch=4)
    with serving(create_app(RemAgent(engine_instance=engine), settings)) as srv:
        yield srv


@pytest.fixture()
def client(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=20) as c:
        wait_ready(c)
        yield c


def metric(client: httpx.Client, line_start: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {line_start!r}")


# -- answers ------------------------------------------------------------------------


def test_translate_returns_the_translation_json(client: httpx.Client, engine: GatedEngine) -> None:
    r = client.post("/v1/translate", json={"text": "notes about kafka from last week", "now": NOW})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == expected_query("notes about kafka from last week")
    assert body["valid"] is True and body["source"] == "model"
    assert body["engine"] == "gated" and body["profile"] == "rem"
    assert body["dates"] == [{"text": "from last week", "start": "2026-11-16", "end": "2026-11-23"}]
    # The same fields as `rem-agent translate --json` (the Translation model).
    assert set(body) >= {"query", "valid", "profile", "statement", "warnings", "timings", "error"}


@pytest.mark.parametrize(
    "content_type", [None, "application/x-www-form-urlencoded", "text/plain", "application/json"]
)
def test_the_body_is_json_whatever_its_content_type_says(
    client: httpx.Client, content_type: str | None
) -> None:
    # `curl -d` labels a body as a form; the body is read as JSON all the same.
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/v1/translate", content=b'{"text": "labelled notes"}', headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["query"] == expected_query("labelled notes")


def test_tz_now_and_profile_reach_the_agent(client: httpx.Client) -> None:
    r = client.post(
        "/v1/translate",
        json={
            "text": "meetings yesterday",
            "now": "2026-11-26T10:30:00",
            "tz": "America/New_York",
            "profile": "p8fs",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["profile"] == "p8fs"
    assert body["dates"][0]["start"] == "2026-11-25T00:00:00-05:00"
    assert body["dates"][0]["end"] == "2026-11-26T00:00:00-05:00"


def test_repeat_is_a_cache_hit_without_the_model(client: httpx.Client, engine: GatedEngine) -> None:
    text = "documents about the cache test"
    first = client.post("/v1/translate", json={"text": text, "now": NOW}).json()
    calls = len(engine.started)
    hits = metric(client, "rem_agent_cache_hits_total")
    second = client.post("/v1/translate", json={"text": f"  {text} ", "now": NOW}).json()
    assert second["source"] == "cache" and second["query"] == first["query"]
    assert len(engine.started) == calls
    assert metric(client, "rem_agent_cache_hits_total") == hits + 1


def test_rem_input_is_answered_without_the_model(client: httpx.Client, engine: GatedEngine) -> None:
    calls = len(engine.started)
    r = client.post("/v1/translate", json={"text": 'lookup "Sarah Chen"'})
    assert r.status_code == 200
    assert r.json()["query"] == 'LOOKUP "Sarah Chen"' and r.json()["source"] == "rem"
    assert len(engine.started) == calls


def test_batch_answers_each_request_in_order(client: httpx.Client) -> None:
    texts = ["batch alpha", "batch beta", "batch alpha"]
    r = client.post(
        "/v1/translate/batch",
        json={"requests": [{"text": t, "now": NOW} for t in texts] + [{"text": " \t "}]},
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x.get("query") for x in results[:3]] == [expected_query(t) for t in texts]
    assert results[3]["status"] == 422 and "empty" in results[3]["error"]


def test_healthz_info_and_metrics(client: httpx.Client) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ready"
    info = client.get("/v1/info").json()
    assert info["engine"] == "gated" and info["model"] == "gated-model"
    assert info["profiles"] == ["rem", "p8fs"]
    catalog = default_catalog()
    assert list(info["catalog"]["tables"]) == list(catalog.table_names)
    assert info["catalog"]["tables"]["files"]["file_size"] == "int"
    assert info["limits"]["max_text_chars"] == MAX_REQUEST_CHARS
    client.post("/v1/translate", json={"text": "metrics probe", "now": NOW})
    m = client.get("/metrics")
    assert m.status_code == 200 and m.headers["content-type"].startswith("text/plain")
    text = m.text
    for name in (
        'rem_agent_requests_total{endpoint="/v1/translate",status="200"}',
        'rem_agent_request_duration_seconds_bucket{endpoint="/v1/translate",le="+Inf"}',
        'rem_agent_errors_total{kind="bad_input"}',
        "rem_agent_cache_hits_total",
        "rem_agent_queue_depth 0",
        "rem_agent_model_loaded 1",
    ):
        assert name in text, name
    assert metric(client, "rem_agent_generations_total") >= 1


# -- bad input: 4xx with a JSON error that says what to fix ----------------------------

BAD_BODIES = [
    (b"{not json", 400, "not valid JSON"),
    (b"", 400, "empty"),
    (b"[1, 2]", 422, "JSON object"),
    (b"{}", 422, "text: is required"),
    (b'{"text": 42}', 422, "must be a string"),
    (b'{"text": "' + b"x" * (MAX_REQUEST_CHARS + 1) + b'"}', 422, "longer than 1000"),
    (b'{"text": "   \\n  "}', 422, "empty"),
    (b'{"text": "a", "profile": "sql"}', 422, "known profiles: rem, p8fs"),
    (b'{"text": "a", "tz": "Mars/Olympus"}', 422, "IANA"),
    (b'{"text": "a", "now": "last tuesday"}', 422, "ISO-8601"),
    (b'{"text": "a", "now": 1764150000}', 422, "ISO-8601"),
    (b'{"text": "a", "txet": "b"}', 422, "txet: is not a known field"),
    (b"null", 422, "JSON object"),
    (b"\xff\xfe{", 400, "not valid JSON"),
    (b'{"text": "' + b"y" * 5000 + b'"}', 413, "limit is 4096"),
]


@pytest.mark.parametrize(("body", "status", "says"), BAD_BODIES)
def test_bad_input_gets_a_4xx_that_says_what_to_fix(
    client: httpx.Client, body: bytes, status: int, says: str
) -> None:
    r = client.post("/v1/translate", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert says in r.json()["error"]
    assert "Traceback" not in r.text


def test_a_body_over_the_limit_without_a_length_is_cut_off(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to refuse it by
        yield b'{"text": "'
        yield from (b"z" * 1000 for _ in range(5))
        yield b'"}'

    r = client.post("/v1/translate", content=chunks())
    assert r.status_code == 413 and r.json() == {"error": "the body is over the 4096-byte limit"}


def test_bad_batches(client: httpx.Client) -> None:
    too_many = {"requests": [{"text": f"t{i}"} for i in range(5)]}
    r = client.post("/v1/translate/batch", json=too_many)
    assert r.status_code == 422 and "limit is 4" in r.json()["error"]
    # The count is checked before the items: an oversized batch is told to split.
    r = client.post("/v1/translate/batch", json={"requests": [{}] * 5})
    assert r.status_code == 422
    assert r.json()["error"] == "requests: 5 requests in one batch; the limit is 4: split the batch"
    r = client.post("/v1/translate/batch", json={"requests": []})
    assert r.status_code == 422 and "requests" in r.json()["error"]
    r = client.post("/v1/translate/batch", json={"requests": [{"text": "ok"}, {"tz": "UTC"}]})
    assert r.status_code == 422 and "requests.1.text: is required" in r.json()["error"]


def test_unknown_route_and_method_are_json(client: httpx.Client) -> None:
    r = client.get("/v2/translate")
    assert r.status_code == 404 and r.json() == {"error": "no such endpoint"}
    r = client.get("/v1/translate")
    assert r.status_code == 405 and "method" in r.json()["error"]


def test_invalid_model_output_is_a_200_with_the_reason() -> None:
    engine = GatedEngine(answer=lambda request: "SELECT name FROM nowhere")
    with (
        serving(create_app(RemAgent(engine_instance=engine))) as srv,
        httpx.Client(base_url=srv.url) as c,
    ):
        wait_ready(c)
        r = c.post("/v1/translate", json={"text": "anything at all"})
        assert r.status_code == 200
        assert r.json()["valid"] is False and "not valid REM" in r.json()["error"]
        assert metric(c, 'rem_agent_errors_total{kind="invalid_output"}') == 1


# -- model loading ----------------------------------------------------------------------


def test_healthz_is_503_while_loading_and_requests_wait_for_the_model() -> None:
    gate = threading.Event()
    engine = GatedEngine(load_gate=gate)
    with (
        serving(create_app(RemAgent(engine_instance=engine))) as srv,
        httpx.Client(base_url=srv.url, timeout=20) as c,
    ):
        r = c.get("/healthz")
        assert r.status_code == 503 and r.json()["status"] == "loading"
        assert c.get("/v1/info").json()["state"] == "loading"
        answer: list[httpx.Response] = []
        waiter = threading.Thread(
            target=lambda: answer.append(c.post("/v1/translate", json={"text": "early bird"}))
        )
        waiter.start()
        time.sleep(0.2)
        assert not answer, "answered before the model was loaded"
        gate.set()
        waiter.join(10)
        assert answer[0].status_code == 200
        assert answer[0].json()["query"] == expected_query("early bird")
        assert c.get("/healthz").status_code == 200
        assert engine.loads == 1


class _BrokenEngine(GatedEngine):
    def load(self, progress: object = None) -> None:
        raise FileNotFoundError("model file /nowhere/model.gguf is missing")


def test_a_model_that_fails_to_load_is_reported_not_crashed() -> None:
    with (
        serving(create_app(RemAgent(engine_instance=_BrokenEngine()))) as srv,
        httpx.Client(base_url=srv.url) as c,
    ):
        deadline = time.monotonic() + 10
        while (body := c.get("/healthz").json())["status"] != "failed":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert "model.gguf is missing" in body["error"]
        r = c.post("/v1/translate", json={"text": "anything"})
        assert r.status_code == 503 and "not available" in r.json()["error"]
        assert "Traceback" not in r.text


class _CountingAgent(RemAgent):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prepared: list[str] = []

    def prepare(self, text: str, **kwargs: Any) -> Prepared:
        self.prepared.append(text)
        return super().prepare(text, **kwargs)


def test_a_request_is_prepared_once_and_decoded_once() -> None:
    engine = GatedEngine()
    agent = _CountingAgent(engine_instance=engine)
    with serving(create_app(agent)) as srv, httpx.Client(base_url=srv.url, timeout=20) as c:
        wait_ready(c)
        r = c.post("/v1/translate", json={"text": "kafka notes from last week", "now": NOW})
        assert r.status_code == 200 and r.json()["source"] == "model"
        assert agent.prepared == ["kafka notes from last week"]
        assert engine.started == ["kafka notes from last week"]


# -- the router inside another app -----------------------------------------------------


def test_router_mounts_into_a_host_app() -> None:
    engine = GatedEngine()
    host = FastAPI()

    @host.get("/api/v1/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    agent = RemAgent(engine_instance=engine)
    api = router(agent)
    host.include_router(api, prefix="/rem")
    with serving(host) as srv, httpx.Client(base_url=srv.url, timeout=20) as c:
        assert c.get("/api/v1/ping").json() == {"pong": "yes"}
        wait_ready(c, "/rem/healthz")
        r = c.post("/rem/v1/translate", json={"text": "mounted request", "now": NOW})
        assert r.status_code == 200 and r.json()["query"] == expected_query("mounted request")
        r = c.post("/rem/v1/translate", content=b"{")
        assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
        assert "rem_agent_requests_total" in c.get("/rem/metrics").text
        assert c.get("/rem/v1/info").json()["engine"] == "gated"
        # The host reaches the service behind its endpoints.
        assert isinstance(api.service, RemService) and api.service.agent is agent
        assert api.service.metrics.requests[("/v1/translate", 200)] == 1


def post_bodies(spec: dict[str, Any]) -> dict[str, str]:
    """Each POST operation's request body schema, by path (every POST must have one)."""
    bodies = {}
    for path, operations in spec["paths"].items():
        if "post" in operations:
            content = operations["post"]["requestBody"]["content"]["application/json"]
            bodies[path] = content["schema"]["$ref"].rsplit("/", 1)[-1]
    return bodies


def test_openapi_shows_the_request_bodies() -> None:
    spec = create_app(RemAgent(engine_instance=GatedEngine())).openapi()
    assert post_bodies(spec) == {
        "/v1/translate": "TranslateRequest",
        "/v1/translate/batch": "BatchRequest",
    }
    schemas = spec["components"]["schemas"]
    assert schemas["TranslateRequest"]["required"] == ["text"]
    assert set(schemas["TranslateRequest"]["properties"]) == {"text", "now", "tz", "profile"}
    # A 422 is this service's `{"error": ...}`, not FastAPI's list of validation errors.
    translate = spec["paths"]["/v1/translate"]["post"]
    assert translate["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "HTTPValidationError" not in schemas

    host = FastAPI()
    host.include_router(router(RemAgent(engine_instance=GatedEngine())), prefix="/rem")
    assert post_bodies(host.openapi()) == {
        "/rem/v1/translate": "TranslateRequest",
        "/rem/v1/translate/batch": "BatchRequest",
    }


class _BuggyAgent(RemAgent):
    def answer(self, prepared: Prepared, **kwargs: Any) -> Translation:
        if kwargs.get("cancel") is not None and not kwargs["cancel"].is_set():
            raise RuntimeError("secret internal detail")
        return super().answer(prepared, **kwargs)


def test_a_bug_is_a_500_without_a_traceback_or_internals() -> None:
    with (
        serving(create_app(_BuggyAgent(engine_instance=GatedEngine()))) as srv,
        httpx.Client(base_url=srv.url) as c,
    ):
        wait_ready(c)
        r = c.post("/v1/translate", json={"text": "trigger the bug"})
        assert r.status_code == 500
        assert r.json() == {"error": "internal error: see the server log"}
        assert "Traceback" not in r.text and "secret" not in r.text
        assert metric(c, 'rem_agent_errors_total{kind="internal"}') == 1
        # and the service keeps working for input that needs no model
        assert c.post("/v1/translate", json={"text": 'LOOKUP "Sally"'}).status_code == 200
