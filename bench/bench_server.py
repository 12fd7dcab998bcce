"""Load generator for the search-bar backend, over loopback only.

Starts the server in a child process (so the load generator does not share its
interpreter), then N concurrent clients send a mix of new and repeated search-bar
requests. Reports throughput, p50/p95/p99 latency, the cache-hit ratio and checks that
no response was lost or given to the wrong request.

    python bench/bench_server.py                       # bundled real model, modest load
    python bench/bench_server.py --fake --requests 2000 --clients 50   # server overhead only

With the real model every request's answer is unknown in advance, so "mismatched"
means: a date the answer mentions that is not in its request, or two different answers
to the same request. With `--fake` the exact answer is known and compared.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import socket
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

NOW = "2026-11-26T10:30:00Z"
TOPICS = [
    "kafka", "the TiDB migration", "pricing", "the Q3 roadmap", "onboarding", "postgres",
    "vector search", "the outage", "hiring", "the design review", "customer churn",
    "the mobile app", "budget", "security audit", "standups", "the API redesign",
    "machine learning", "the offsite", "performance reviews", "billing",
]  # fmt: skip
TEMPLATES = [
    "notes about {t}",
    "notes about {t} from last week",
    "meetings about {t} yesterday",
    "documents about {t}",
    "what did we decide about {t} in March",
    "moments tagged {t} since Monday",
    "files about {t} uploaded this month",
    "anything about {t} in the past 3 days",
]


def request_texts(n_unique: int, rng: random.Random) -> list[str]:
    combos = [tpl.format(t=t) for t in TOPICS for tpl in TEMPLATES]
    rng.shuffle(combos)
    if n_unique > len(combos):  # more than the templates give: number the extras
        combos += [f"notes about project {i}" for i in range(n_unique - len(combos))]
    return combos[:n_unique]


def workload(total: int, repeat: float, seed: int) -> list[str]:
    """`total` requests; a share `repeat` of them repeat an earlier (popular) request."""
    rng = random.Random(seed)
    fresh = iter(request_texts(total, rng))
    sent: list[str] = []
    for _ in range(total):
        if sent and rng.random() < repeat:
            # Popular searches repeat more: pick among the earliest ones, skewed.
            sent.append(sent[int(len(sent) * rng.random() ** 2)])
        else:
            sent.append(next(fresh))
    return sent


# -- the server process ---------------------------------------------------------------


def fake_answer(request: str) -> str:
    return f'SEARCH "{request}" IN resources'


def _serve(fake: bool, fake_ms: float, queue: int, port_out: Any) -> None:
    import uvicorn

    from rem_agent.agent import RemAgent
    from rem_agent.server import ServerSettings, create_app

    agent = RemAgent(engine_instance=_FakeEngine(fake_ms / 1000)) if fake else RemAgent()
    app = create_app(agent, ServerSettings(max_queue=queue, deadline_s=600))
    # proto=TCP: asyncio sets TCP_NODELAY only on such sockets (else 40 ms delayed-ACK stalls).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    port_out.put(sock.getsockname()[1])
    uvicorn.Server(uvicorn.Config(app, log_level="error")).run(sockets=[sock])


class _FakeEngine:
    """Answers at once (or after `delay_s`): what is left is the server's own cost."""

    name = "fake"
    model_name = "fake"

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    def load(self, progress: Any = None) -> None:
        pass

    def generate(self, messages: list[Any], **kwargs: Any) -> Any:
        from rem_agent.engines.base import Generation, GenerationStats

        request = messages[-1].content.split("\n", 1)[0].removeprefix("Request: ")
        if self.delay_s:
            time.sleep(self.delay_s)
        stats = GenerationStats(
            prompt_tokens=1,
            cached_prompt_tokens=0,
            generated_tokens=1,
            prefill_ms=0,
            decode_ms=0,
            total_ms=0,
            tokens_per_s=0,
        )
        return Generation(text=fake_answer(request), stats=stats, stop_reason="stop")


# -- the clients ------------------------------------------------------------------------


@dataclass
class Outcome:
    text: str
    status: int
    seconds: float
    body: dict[str, Any] | None


async def run_clients(url: str, texts: list[str], clients: int, max_s: float) -> list[Outcome]:
    import httpx

    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]  # no 40 ms Nagle/delayed-ACK stall
    transport = httpx.AsyncHTTPTransport(
        socket_options=nodelay,
        limits=httpx.Limits(max_connections=clients, max_keepalive_connections=clients),
    )
    todo = list(enumerate(texts))
    outcomes: list[Outcome | None] = [None] * len(texts)
    stop_at = time.perf_counter() + max_s

    async def client(http: httpx.AsyncClient) -> None:
        while todo and time.perf_counter() < stop_at:
            i, text = todo.pop(0)
            started = time.perf_counter()
            try:
                r = await http.post("/v1/translate", json={"text": text, "now": NOW})
                status, body = r.status_code, r.json()
            except httpx.HTTPError:
                status, body = 0, None
            outcomes[i] = Outcome(text, status, time.perf_counter() - started, body)

    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=600) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return [o for o in outcomes if o is not None]


def mismatches(outcomes: list[Outcome], fake: bool) -> int:
    bad = 0
    first: dict[str, str | None] = {}
    for o in outcomes:
        if o.status != 200 or o.body is None:
            continue
        query = o.body.get("query")
        wrong_answer = fake and query != fake_answer(o.text)
        foreign_date = any(d["text"] not in o.text for d in o.body.get("dates", []))
        inconsistent = first.setdefault(o.text, query) != query
        bad += wrong_answer or foreign_date or inconsistent
    return bad


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def scrape(url: str, name: str) -> float:
    import httpx

    for line in httpx.get(f"{url}/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fake", action="store_true", help="engine double: server overhead only")
    parser.add_argument("--fake-ms", type=float, default=0.0, help="fake decode time per request")
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=None, help="requests in all")
    parser.add_argument("--repeat", type=float, default=0.5, help="share of repeated requests")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop sending after this")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    clients = args.clients or (50 if args.fake else 8)
    total = args.requests or (2000 if args.fake else 60)

    ctx = mp.get_context("spawn")
    port_out = ctx.Queue()
    server = ctx.Process(
        target=_serve, args=(args.fake, args.fake_ms, max(64, clients * 2), port_out), daemon=True
    )
    server.start()
    try:
        url = f"http://127.0.0.1:{port_out.get(timeout=120)}"
        import httpx

        loaded = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - loaded > 300:
                print("the server never became ready", file=sys.stderr)
                return 1
            time.sleep(0.1)
        info = httpx.get(f"{url}/v1/info").json()
        texts = workload(total, args.repeat, args.seed)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        outcomes = asyncio.run(run_clients(url, texts, clients, args.max_seconds))
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()[0]
        report(args, info, texts, outcomes, elapsed, clients, url, (load_before, load_after))
        lost = sum(o.status == 0 for o in outcomes)
        return 0 if mismatches(outcomes, args.fake) == 0 and lost == 0 else 1
    finally:
        server.terminate()
        server.join(10)


def report(
    args: argparse.Namespace,
    info: dict[str, Any],
    texts: list[str],
    outcomes: list[Outcome],
    elapsed: float,
    clients: int,
    url: str,
    load: tuple[float, float],
) -> None:
    ok = [o for o in outcomes if o.status == 200]
    statuses = Counter(o.status for o in outcomes)
    sources = Counter(o.body["source"] for o in ok if o.body)
    by_source: dict[str, list[float]] = {}
    for o in ok:
        by_source.setdefault(o.body["source"] if o.body else "?", []).append(o.seconds)
    model_runs = sources.get("model", 0)
    generations = scrape(url, "rem_agent_generations_total")
    coalesced = scrape(url, 'rem_agent_translations_total{source="coalesced"}')
    engine = f"{info['engine']} / {info['model']}"
    if args.fake:
        engine += f" (fake, {args.fake_ms:g} ms per generation)"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load[0]:.1f} -> "
          f"{load[1]:.1f}; engine {engine}")  # fmt: skip
    print(
        f"{len(outcomes)} of {len(texts)} requests sent ({len(set(texts))} distinct, "
        f"repeat share {args.repeat:g}), "
        f"{clients} concurrent clients, loopback HTTP/1.1 keep-alive"
    )
    print()
    print(f"{'':28}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    rows = [("all answered (200)", [o.seconds for o in ok])]
    rows += [(f"  source={s}", v) for s, v in sorted(by_source.items())]
    for name, values in rows:
        print(
            f"{name:28}{len(values):>6}{pct(values, 0.5):>10.1f}{pct(values, 0.95):>10.1f}"
            f"{pct(values, 0.99):>10.1f}"
        )
    print()
    print(f"throughput             {len(ok) / elapsed:10.1f} answers/s over {elapsed:.1f} s")
    hits = sources.get("cache", 0)
    print(f"cache hit ratio        {hits / max(1, len(ok)):10.1%}  ({hits} of {len(ok)})")
    print(f"shared generations     {coalesced:10.0f}  (identical requests in flight)")
    print(f"model generations      {generations:10.0f}  ({model_runs} answers with source=model)")
    print(f"statuses               {dict(sorted(statuses.items()))}")
    lost = sum(o.status == 0 for o in outcomes)
    print(f"lost (sent, no answer) {lost:10d}")
    print(f"not sent (time budget) {len(texts) - len(outcomes):10d}")
    print(f"mismatched             {mismatches(outcomes, args.fake):10d}")
    if ok:
        print(f"mean latency           {statistics.fmean(o.seconds for o in ok) * 1000:10.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
