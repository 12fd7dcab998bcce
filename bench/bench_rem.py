"""REM core throughput: parse + validate + print, and llguidance grammar compile time.

    python bench/bench_rem.py [--seconds 3]

Prints a Markdown table (docs/BENCHMARKS.md records one run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import llguidance

from rem_agent.interval import Interval
from rem_agent.models.bundle import ensure_gguf
from rem_agent.models.tokenizer import tokenizer_from_gguf
from rem_agent.rem import DecodeSpec, Profile, check_rem, decode_grammar, default_catalog

EXAMPLES = [
    e["rem"]
    for e in json.loads(
        (Path(__file__).parent.parent / "tests/data/rem_md_examples.json").read_text()
    )["examples"]
]


def throughput(seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in EXAMPLES:
            assert check_rem(text).valid
        done += len(EXAMPLES)
    return done / (time.perf_counter() - start)


def compile_ms(tokenizer: llguidance.LLTokenizer, spec: DecodeSpec, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        text = decode_grammar.__wrapped__(spec)  # bypass the cache: measure the build too
        grammar = llguidance.LLMatcher.grammar_from_lark(text)
        matcher = llguidance.LLMatcher(tokenizer, grammar)
        matcher.compute_bitmask()  # first mask: forces the lexer/parser to be built
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    qps = throughput(args.seconds)
    tok = tokenizer_from_gguf(ensure_gguf("qwen2.5-coder-0.5b"))
    ll = llguidance.LLTokenizer(tok.tokenizer.to_str(), eos_token=tok.info.eos_token_id)
    cat = default_catalog()
    specs = {
        "rem, any dates": DecodeSpec(catalog=cat),
        "p8fs, any dates": DecodeSpec(catalog=cat, profile=Profile.P8FS),
        "rem, one resolved range": DecodeSpec(
            catalog=cat, time_ranges=(Interval(start="2026-11-16", end="2026-11-23"),)
        ),
        "rem, no dates": DecodeSpec(catalog=cat, time_ranges=()),
    }
    print("| measure | value |\n|---|---|")
    print(f"| parse + validate + print (REM.md examples) | {qps:,.0f} queries/s |")
    for name, spec in specs.items():
        size = len(decode_grammar(spec))
        print(
            f"| grammar build + llguidance compile + first mask, {name} ({size:,} chars) "
            f"| {compile_ms(ll, spec):.1f} ms |"
        )


if __name__ == "__main__":
    main()
