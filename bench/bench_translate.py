"""End-to-end translation latency per bundled model on llama.cpp (the Linux default).

    python bench/bench_translate.py [--models NAME ...] [--engine llamacpp]

Each model runs in its own child process (fresh memory figures): load time, then the same
requests through `RemAgent.translate` (cache off), p50/p95 latency, decode tok/s, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime

REQUESTS = [
    "notes about kafka from last week",
    "who is Sarah Chen",
    "meetings I had yesterday",
    "my 5 most recent uploads",
    "who reports to Dana?",
    "pdfs uploaded in march",
    "moments tagged travel this week",
    "anything like kuberntes",
    "sessions completed yesterday",
    "documents about the TiDB migration",
    "coding sessions in Q3",
    "diary entries",
]


def child(model: str, engine: str) -> None:
    from rem_agent.agent import RemAgent

    started = time.perf_counter()
    agent = RemAgent(engine=engine, model=model, cache_size=0)
    loaded = agent.load()
    load_s = time.perf_counter() - started
    now = datetime(2026, 11, 26, 10, 30)
    latencies, rates, valid = [], [], 0
    for text in REQUESTS:
        result = agent.translate(text, now=now)
        latencies.append(result.timings.total_ms)
        rates.append(result.timings.decode.tokens_per_s)
        valid += result.valid
    latencies.sort()
    print(
        json.dumps(
            {
                "model": model,
                "engine": loaded.name,
                "load_s": load_s,
                "p50_ms": statistics.median(latencies),
                "p95_ms": latencies[max(0, round(0.95 * len(latencies)) - 1)],
                "decode_tok_s": statistics.median(rates),
                "valid": f"{valid}/{len(REQUESTS)}",
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", default=["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
    parser.add_argument("--engine", default="llamacpp")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.engine)
        return
    print(f"{len(REQUESTS)} requests each, cache off, engine {args.engine}\n")
    print("| model | engine | load s | p50 ms | p95 ms | decode tok/s | valid | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    for model in args.models:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", model, "--engine", args.engine],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(f"| {model} | failed: {proc.stderr.strip().splitlines()[-1:]} |")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"| {r['model']} | {r['engine']} | {r['load_s']:.1f} | {r['p50_ms']:.0f} | "
            f"{r['p95_ms']:.0f} | {r['decode_tok_s']:.1f} | {r['valid']} | {r['peak_rss_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
