"""Service metrics in the Prometheus text exposition format (version 0.0.4).

Written by hand rather than with prometheus-client: a handful of counters, gauges and
one histogram fit in a page, and prometheus-client's default registry is process-global,
so two apps in one process (p8fs mounting the router, tests) would collide. Each
`Metrics` belongs to one service and is bounded by its label sets (endpoints, status
codes, a fixed list of sources and error kinds).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable

# Seconds: a cache hit answers in about a millisecond, a model run in one to a few seconds.
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

ERROR_KINDS = (
    "bad_input",  # 4xx: the caller must fix the request
    "queue_full",  # 503: too many requests waiting for the model
    "overloaded",  # 503 at once: the queue ahead would outlast the deadline
    "deadline",  # 504: no answer within the deadline
    "disconnected",  # the client went away before the answer
    "unavailable",  # 503: the model failed to load
    "invalid_output",  # 200 with valid=false: the model produced no valid REM
    "internal",  # 500: a bug
)


class _Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.total += 1
        self.sum += value
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1


class Metrics:
    """Counters and histograms of one service; safe to update from any thread."""

    def __init__(self, buckets: tuple[float, ...] = DEFAULT_BUCKETS) -> None:
        self._lock = threading.Lock()
        self._buckets = buckets
        self.requests: Counter[tuple[str, int]] = Counter()
        self.errors: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()  # model | cache | rem | coalesced
        self.cancelled: Counter[str] = Counter()  # queued | running
        self.generations = 0
        self._latency: dict[str, _Histogram] = {}
        self._gauges: dict[str, tuple[str, Callable[[], float]]] = {}

    def observe_request(self, endpoint: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(endpoint, status)] += 1
            hist = self._latency.get(endpoint)
            if hist is None:
                hist = self._latency[endpoint] = _Histogram(self._buckets)
            hist.observe(seconds)

    def error(self, kind: str) -> None:
        assert kind in ERROR_KINDS, kind
        with self._lock:
            self.errors[kind] += 1

    def answered(self, source: str) -> None:
        with self._lock:
            self.sources[source] += 1

    def cancel(self, where: str) -> None:
        with self._lock:
            self.cancelled[where] += 1

    def generation(self) -> None:
        with self._lock:
            self.generations += 1

    def gauge(self, name: str, help_text: str, read: Callable[[], float]) -> None:
        """A value read at scrape time (queue depth, model loaded)."""
        self._gauges[name] = (help_text, read)

    def render(self) -> str:
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")

        with self._lock:
            family("rem_agent_requests_total", "counter", "HTTP requests by endpoint and status")
            for (endpoint, status), n in sorted(self.requests.items()):
                lines.append(
                    f'rem_agent_requests_total{{endpoint="{endpoint}",status="{status}"}} {n}'
                )
            family("rem_agent_errors_total", "counter", "requests that got no good answer, by kind")
            for kind in ERROR_KINDS:
                lines.append(f'rem_agent_errors_total{{kind="{kind}"}} {self.errors[kind]}')
            family(
                "rem_agent_translations_total",
                "counter",
                "answers by source: model run, LRU cache, REM input, shared generation",
            )
            for source in ("model", "cache", "rem", "coalesced"):
                lines.append(
                    f'rem_agent_translations_total{{source="{source}"}} {self.sources[source]}'
                )
            family("rem_agent_cache_hits_total", "counter", "answers served from the LRU cache")
            lines.append(f"rem_agent_cache_hits_total {self.sources['cache']}")
            family("rem_agent_generations_total", "counter", "jobs the model ran")
            lines.append(f"rem_agent_generations_total {self.generations}")
            family(
                "rem_agent_cancelled_total",
                "counter",
                "jobs abandoned by every waiter, by where they were",
            )
            for where in ("queued", "running"):
                lines.append(
                    f'rem_agent_cancelled_total{{where="{where}"}} {self.cancelled[where]}'
                )
            family("rem_agent_request_duration_seconds", "histogram", "request latency by endpoint")
            for endpoint, hist in sorted(self._latency.items()):
                label = f'endpoint="{endpoint}"'
                for bound, count in zip(hist.buckets, hist.counts, strict=True):
                    lines.append(
                        f'rem_agent_request_duration_seconds_bucket{{{label},le="{bound:g}"}} '
                        f"{count}"
                    )
                lines.append(
                    f'rem_agent_request_duration_seconds_bucket{{{label},le="+Inf"}} {hist.total}'
                )
                lines.append(f"rem_agent_request_duration_seconds_sum{{{label}}} {hist.sum:.6f}")
                lines.append(f"rem_agent_request_duration_seconds_count{{{label}}} {hist.total}")
        for name, (help_text, read) in sorted(self._gauges.items()):
            family(name, "gauge", help_text)
            lines.append(f"{name} {_number(read())}")
        return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return f"{value:g}" if isinstance(value, float) else str(value)
