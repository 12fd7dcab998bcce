"""Load generator for the search-bar backend, over loopback only.

Starts the server in a child process (so the load generator does not share its
interpreter), then N concurrent clients send a mix of new and repeated search-bar
requests. Reports throughput, p50/p95/p99 latency, the cache-hit ratio and checks that
no response was lost or given to the wrong request.

    python bench/bench_server.py                       # bundled real model, modest load
    python bench/bench_server.py --fake --requests 2000 --clients 50   # server overhead only
    python bench/bench_server.py --burst 24 --warmup 3 # load test: 24 distinct at once

`--burst N` is the load test of a busy search bar: N distinct requests sent at the same
moment, each on its own connection, against the server's real deadline (`--deadline`,
default 30 s as `rem-agent serve`). It reports how many were answered (200), refused at
once because the queue ahead would outlast the deadline (503, with Retry-After) and
answered late (504), p50/p95 latency of each, the throughput and the service time the
server measured (`/v1/info`). `--warmup K` first sends K requests one by one, so the
server has measured its service time before the burst (without it, the burst meets a
cold server that knows no service time yet).

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


def _serve(fake: bool, fake_ms: float, queue: int, deadline_s: float, port_out: Any) -> None:
    import uvicorn

    from rem_agent.agent import RemAgent
    from rem_agent.server import ServerSettings, create_app

    agent = RemAgent(engine_instance=_FakeEngine(fake_ms / 1000)) if fake else RemAgent()
    app = create_app(agent, ServerSettings(max_queue=queue, deadline_s=deadline_s))
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
    retry_after: str | None = None


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
            retry: str | None = None
            try:
                r = await http.post("/v1/translate", json={"text": text, "now": NOW})
                status, body, retry = r.status_code, r.json(), r.headers.get("retry-after")
            except httpx.HTTPError:
                status, body = 0, None
            outcomes[i] = Outcome(text, status, time.perf_counter() - started, body, retry)

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
    parser.add_argument(
        "--burst", type=int, metavar="N", help="load test: N distinct requests sent at once"
    )
    parser.add_argument(
        "--warmup", type=int, default=0, metavar="K", help="with --burst: K requests first"
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=None,
        help="the server's per-request deadline (default: 30 s with --burst, else 600 s)",
    )
    args = parser.parse_args()
    if args.burst is not None:
        # Every request distinct and in flight at once: one client each, no repeats.
        args.clients, args.requests, args.repeat = args.burst, args.burst, 0.0
    clients = args.clients or (50 if args.fake else 8)
    total = args.requests or (2000 if args.fake else 60)
    deadline_s = args.deadline or (30.0 if args.burst is not None else 600.0)

    ctx = mp.get_context("spawn")
    port_out = ctx.Queue()
    server = ctx.Process(
        target=_serve,
        args=(args.fake, args.fake_ms, max(64, clients * 2), deadline_s, port_out),
        daemon=True,
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
        if args.burst is not None:
            return run_burst(args, url, texts, deadline_s)
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


def run_burst(args: argparse.Namespace, url: str, texts: list[str], deadline_s: float) -> int:
    """The load test: `--warmup` requests one by one, then every text at once."""
    import httpx

    rng = random.Random(args.seed + 1)
    warm = [t for t in request_texts(len(texts) + args.warmup, rng) if t not in set(texts)]
    with httpx.Client(base_url=url, timeout=600) as http:
        for text in warm[: args.warmup]:
            http.post("/v1/translate", json={"text": text, "now": NOW})
        before = http.get("/v1/info").json()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    outcomes = asyncio.run(run_clients(url, texts, len(texts), args.max_seconds))
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()[0]
    after = httpx.get(f"{url}/v1/info").json()
    report_burst(args, before, after, outcomes, elapsed, deadline_s, (load_before, load_after))
    lost = sum(o.status == 0 for o in outcomes)
    return 0 if mismatches(outcomes, args.fake) == 0 and lost == 0 else 1


def report_burst(
    args: argparse.Namespace,
    before: dict[str, Any],
    after: dict[str, Any],
    outcomes: list[Outcome],
    elapsed: float,
    deadline_s: float,
    load: tuple[float, float],
) -> None:
    engine = f"{after['engine']} / {after['model']}"
    if args.fake:
        engine += f" (fake, {args.fake_ms:g} ms per generation)"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load[0]:.1f} -> "
          f"{load[1]:.1f}; engine {engine}")  # fmt: skip
    warm = before["service"]
    print(
        f"burst of {len(outcomes)} distinct requests at once, deadline {deadline_s:g} s, "
        f"{args.warmup} warm-up requests (service time known before: "
        f"{_seconds(warm['service_time_mean_s'])} mean over {warm['samples']} jobs)"
    )
    print()
    groups = [
        ("answered (200)", [o for o in outcomes if o.status == 200]),
        ("refused at once (503)", [o for o in outcomes if o.status == 503]),
        ("late (504)", [o for o in outcomes if o.status == 504]),
        ("other", [o for o in outcomes if o.status not in (200, 503, 504)]),
    ]
    print(f"{'':24}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, group in [("all", outcomes), *groups]:
        values = [o.seconds for o in group]
        top = max(values) * 1000 if values else float("nan")
        print(f"{name:24}{len(values):>6}{pct(values, 0.5):>10.1f}{pct(values, 0.95):>10.1f}"
              f"{top:>10.1f}")  # fmt: skip
    print()
    answered = len(groups[0][1])
    print(f"throughput             {answered / elapsed:10.2f} answers/s over {elapsed:.1f} s")
    retries = sorted(int(o.retry_after) for o in groups[1][1] if o.retry_after)
    if retries:
        print(f"Retry-After            {retries[0]:>7} .. {retries[-1]} s")
    svc = after["service"]
    print(
        f"server's measure       p50 {_seconds(svc['service_time_p50_s'])}, mean "
        f"{_seconds(svc['service_time_mean_s'])} per job, "
        f"{svc['answers_per_s'] or float('nan'):.2f} answers/s while busy, "
        f"over the last {svc['samples']} jobs"
    )
    print(f"lost (sent, no answer) {sum(o.status == 0 for o in outcomes):10d}")
    print(f"mismatched             {mismatches(outcomes, args.fake):10d}")


def _seconds(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.2f} s"


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
