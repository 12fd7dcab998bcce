"""Latency of the relative-date resolver: typical requests and a 20k-character worst case.

Run: python bench/bench_dates.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from datetime import datetime

from rem_agent.dates import resolve_dates
from rem_agent.evaluation.metrics import percentile

NOW = datetime(2026, 11, 26, 10, 30)

TYPICAL = [
    "find resources about machine learning from last week",
    "meetings I had yesterday",
    "moments tagged work since Monday",
    "my 5 most recent uploads",
    "documents about the TiDB migration",
    "notes updated in the past two weeks about kafka",
    "sessions completed yesterday afternoon",
    "files uploaded between March and May 2025",
    "what did we decide in Q3 2025 about pricing",
    "standup notes from Nov 1 to Nov 5",
    "diary entries so far this year",
    "conversations with Sarah over the weekend",
    "anything about the outage 3 days ago",
    "planning moments in the last 24 hours",
    "notes created before 2025 that mention postgres",
]


def hostile(length: int, seed: int = 7) -> str:
    """Digits, spaces, separators and month names: the shapes that stress a date scanner."""
    rng = random.Random(seed)
    pieces = ["1", "12", "2025", "3rd", " ", "  ", "Nov", "may", "March", "-", "/", ",", "Q3", "to"]
    out: list[str] = []
    while sum(map(len, out)) < length:
        out.append(rng.choice(pieces))
    return "".join(out)[:length]


WORST = {
    "random digits/months/separators": hostile(20_000),
    '"1 " x 10,000': "1 " * 10_000,
    '"Nov " x 5,000': "Nov " * 5_000,
    '"1/" x 10,000': "1/" * 10_000,
    '"from " x 4,000': "from " * 4_000,
    '"between March and " repeated': ("between March and " * 1_200)[:20_000],
    '"9" x 20,000 (one number)': "9" * 20_000,
}


def _stats(samples: list[float]) -> str:
    return f"{percentile(samples, 50):8.1f} {percentile(samples, 99):8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=400, help="calls per typical request")
    args = parser.parse_args()

    for text in TYPICAL:  # warm up imports and caches
        resolve_dates(text, now=NOW)

    print(f"python {platform.python_version()} on {platform.machine()}, {args.rounds} rounds\n")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs\n")
    print("Typical requests (one resolve_dates call each, UTC). Wall = perf_counter,")
    print("CPU = this thread's CPU time (excludes time the OS ran other processes).")
    print(f"{'request':<52} {'wall p50':>8} {'wall p99':>8} {'cpu p50':>8} {'cpu p99':>8}")
    wall_all: list[float] = []
    cpu_all: list[float] = []
    for text in TYPICAL:
        wall, cpu = [], []
        for _ in range(args.rounds):
            c0, w0 = time.thread_time(), time.perf_counter()
            resolve_dates(text, now=NOW)
            wall.append((time.perf_counter() - w0) * 1e6)
            cpu.append((time.thread_time() - c0) * 1e6)
        wall_all += wall
        cpu_all += cpu
        label = text if len(text) <= 50 else text[:47] + "..."
        print(f"{label:<52} {_stats(wall)} {_stats(cpu)}")
    label = f"ALL ({len(wall_all)} calls, microseconds)"
    print(f"{label:<52} {_stats(wall_all)} {_stats(cpu_all)}")

    zone_samples = []
    for text in TYPICAL:
        for _ in range(max(1, args.rounds // 4)):
            start = time.perf_counter()
            resolve_dates(text, now=NOW, tz="America/New_York", week_start="sunday")
            zone_samples.append((time.perf_counter() - start) * 1e6)
    print(f"{'ALL, America/New_York + week start Sunday (wall)':<52} {_stats(zone_samples)}")

    print("\nWorst case, 20,000 characters (5 runs each):")
    print(f"{'input':<40} {'chars':>6} {'median ms':>10} {'max ms':>8} {'us/char':>8}")
    for name, text in WORST.items():
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            resolve_dates(text, now=NOW)
            runs.append((time.perf_counter() - start) * 1e3)
        median = statistics.median(runs)
        print(
            f"{name:<40} {len(text):6d} {median:10.1f} {max(runs):8.1f} "
            f"{median * 1e3 / len(text):8.2f}"
        )

    print("\nScaling (random digits/months/separators):")
    print(f"{'chars':>7} {'median ms':>10}")
    for length in (2_500, 5_000, 10_000, 20_000, 40_000):
        text = hostile(length)
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            resolve_dates(text, now=NOW)
            runs.append((time.perf_counter() - start) * 1e3)
        print(f"{length:7d} {statistics.median(runs):10.1f}")


if __name__ == "__main__":
    main()
