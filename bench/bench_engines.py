"""Benchmark the decoding engines on this machine: speed, memory, load, constraint cost, KV reuse.

    python bench/bench_engines.py                      # every installed engine, cached load only
    python bench/bench_engines.py --engines llamacpp   # one engine
    python bench/bench_engines.py --cold               # also time a first run (join/convert)

Each engine runs in its own child process, so load time includes imports and peak memory
is that engine's alone. Prompts are the agent's own (system prompt + few-shot examples +
request, built by `rem_agent.translate.prompts`), decoded under the agent's own REM grammar. MLX on
a CPU without Metal is very slow (about 2 tok/s), so it gets a short prompt (system
message only, trimmed) and few tokens; its figures are marked so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

REQUESTS = [
    "notes about kafka from last week",
    "who is Sarah Chen",
    "moments tagged travel",
    "files bigger than 10 MB",
    "meetings with Mike yesterday",
    "search transfomer papers",
]


def _prompt(request: str, *, short: bool) -> tuple[list[Any], str, int]:
    """(messages, grammar, static messages) for `request`, as the agent builds them."""
    from rem_agent.engines import ChatMessage
    from rem_agent.rem import DecodeSpec, Profile, decode_grammar, default_catalog
    from rem_agent.translate.prompts import PromptLibrary
    from rem_agent.translate.request import TranslateOptions, for_model

    catalog = default_catalog()
    now = datetime.fromisoformat("2026-11-26T10:00:00+00:00")
    prepared = for_model(request, TranslateOptions(now=now), catalog)
    spec = DecodeSpec(catalog=catalog, profile=Profile.REM, time_ranges=prepared.intervals)
    grammar = decode_grammar(spec)
    if short:
        system = ChatMessage(
            role="system", content="Translate search-bar text into one REM query for p8fs."
        )
        return [system, ChatMessage(role="user", content=request)], grammar, 1
    prompts = PromptLibrary().for_catalog(catalog)
    built = prompts.build(prepared.text, prepared.intervals, profile=Profile.REM, k=4)
    return built.messages, grammar, built.static_messages


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def child(engine_name: str, *, model: str | None, short: bool, max_tokens: int, n: int) -> dict:
    from rem_agent.engines import create_engine

    engine = create_engine(engine_name, model)  # type: ignore[arg-type]
    engine.load()
    ready_s = time.perf_counter() - STARTED
    requests = REQUESTS[:n]
    prompts = [_prompt(r, short=short) for r in requests]

    # Warm-up: compiles the grammars once (cached by the engine afterwards) and the caches.
    for messages, grammar, static in prompts:
        engine.generate(messages, grammar=grammar, max_tokens=2, prefix_messages=static)

    prefill_tps, cold_ms, warm_ms, free_tps, constrained_tps = [], [], [], [], []
    prompt_tokens, cached_tokens, texts = [], [], []
    for i, (messages, grammar, static) in enumerate(prompts):
        # No cache: the whole prompt is prefilled. (The grammar is compiled already.)
        engine.clear_prompt_cache()
        cold = engine.generate(
            messages, grammar=grammar, max_tokens=max_tokens, prefix_messages=static
        )
        prefill_tps.append(cold.stats.prompt_tokens / (cold.stats.prefill_ms / 1000))
        cold_ms.append(cold.stats.total_ms)
        prompt_tokens.append(cold.stats.prompt_tokens)
        # Same request again after a different one: only the static prefix can be reused.
        other = prompts[(i + 1) % len(prompts)]
        engine.generate(other[0], grammar=other[1], max_tokens=1, prefix_messages=other[2])
        warm = engine.generate(
            messages, grammar=grammar, max_tokens=max_tokens, prefix_messages=static
        )
        warm_ms.append(warm.stats.total_ms)
        cached_tokens.append(warm.stats.cached_prompt_tokens)
        texts.append(warm.text)
        if warm.stats.tokens_per_s:
            constrained_tps.append(warm.stats.tokens_per_s)
        free = engine.generate(messages, max_tokens=max_tokens, prefix_messages=static)
        if free.stats.tokens_per_s:
            free_tps.append(free.stats.tokens_per_s)

    result: dict[str, Any] = {
        "engine": engine.name,
        "model": engine.model_name,
        "reason": engine.choice.reason if engine.choice else "",
        "model_bytes": _size(engine.model_path),
        "load_s": engine.load_seconds,
        "process_ready_s": ready_s,
        "requests": len(prompts),
        "short_prompt": short,
        "max_tokens": max_tokens,
        "prompt_tokens": _median(prompt_tokens),
        "cached_prompt_tokens": _median(cached_tokens),
        "prefill_tps": _median(prefill_tps),
        "decode_tps": _median(free_tps),
        "constrained_tps": _median(constrained_tps),
        "nocache_ms": _median(cold_ms),
        "cache_ms": _median(warm_ms),
        "sample": texts[0] if texts else "",
        "grammar_cache": engine.grammar_cache.info().model_dump(),
    }
    if engine.name == "llamacpp":
        result |= _outlines_generator_path(engine, prompts[0])
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _outlines_generator_path(engine: Any, prompt: tuple[list[Any], str, int]) -> dict:
    """outlines' own Generator on the same Llama: does the KV cache survive a request?"""
    import outlines
    from outlines.models.llamacpp import LlamaCpp
    from outlines.types import CFG

    messages, grammar, _ = prompt
    text = engine.render_chat(messages)
    generator = outlines.Generator(
        LlamaCpp(engine._llama, chat_mode=False), CFG(grammar), "llguidance"
    )
    times, kept = [], []
    for _ in range(2):
        t = time.perf_counter()
        generator(text, max_tokens=24, temperature=0.0)
        times.append((time.perf_counter() - t) * 1000)
        kept.append(engine._llama.n_tokens)
    return {"outlines_ms": times[-1], "outlines_tokens_kept": kept[-1]}


def cold_child(engine_name: str) -> dict:
    """A first run: empty cache dir, so the bundled GGUF is joined (and converted for MLX)."""
    from rem_agent.engines import create_engine

    engine = create_engine(engine_name)  # type: ignore[arg-type]
    prepared = time.perf_counter() - STARTED
    engine.load()
    return {
        "engine": engine.name,
        "cold_ready_s": time.perf_counter() - STARTED,
        "prepare_s": prepared,
    }


def _size(path: Path) -> int:
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _run(args: list[str], env: dict[str, str] | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="llamacpp,mlx")
    parser.add_argument("--model", default=None)
    parser.add_argument("--requests", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--mlx-requests", type=int, default=2)
    parser.add_argument("--mlx-max-tokens", type=int, default=8)
    parser.add_argument("--cold", action="store_true", help="also time a first run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cold-child", help=argparse.SUPPRESS)
    parser.add_argument("--short", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(
            json.dumps(
                child(
                    args.child,
                    model=args.model,
                    short=args.short,
                    max_tokens=args.max_tokens,
                    n=args.requests,
                )
            )
        )
        return 0
    if args.cold_child:
        print(json.dumps(cold_child(args.cold_child)))
        return 0

    from rem_agent.engines import llama_cpp_available

    load = os.getloadavg()[0]
    print(
        f"python {sys.version.split()[0]} on {os.uname().machine}, {os.cpu_count()} CPUs, "
        f"load average {load:.2f} before the run"
    )
    rows = []
    for name in args.engines.split(","):
        if name == "llamacpp" and not llama_cpp_available():
            print("llamacpp: skipped, llama-cpp-python is not installed")
            continue
        mlx = name == "mlx"
        child_args = [
            "--child",
            name,
            "--requests",
            str(args.mlx_requests if mlx else args.requests),
            "--max-tokens",
            str(args.mlx_max_tokens if mlx else args.max_tokens),
        ]
        if mlx:
            child_args.append("--short")
        if args.model:
            child_args += ["--model", args.model]
        row = _run(child_args)
        # Cached load again, in a fresh process, with nothing else to do.
        again = _run(["--cold-child", name])
        row["cached_ready_s"] = again.get("cold_ready_s")
        if args.cold:
            with tempfile.TemporaryDirectory(prefix="rem-bench-cache-") as tmp:
                env = os.environ | {"REM_AGENT_CACHE_DIR": tmp}
                cold = _run(["--cold-child", name], env=env)
            row["cold_ready_s"] = cold.get("cold_ready_s")
            row["cold_prepare_s"] = cold.get("prepare_s")
        rows.append(row)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    print(_table(rows))
    print()
    print(json.dumps(rows, indent=1))
    return 0


def _fmt(value: Any, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _table(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        if "error" in r:
            lines.append(f"{r.get('engine', '?')}: error: {r['error']}")
            continue
        ratio = r["constrained_tps"] / r["decode_tps"] if r["decode_tps"] else None
        speedup = r["cache_ms"] / r["nocache_ms"] if r["nocache_ms"] else None
        note = " (short prompt, few tokens)" if r["short_prompt"] else ""
        lines += [
            f"{r['engine']} · {r['model']} · {r['reason']}{note}",
            f"  model size                 {r['model_bytes'] / 1e6:8.0f} MB",
            f"  load (model only)          {_fmt(r['load_s'], '8.2f')} s",
            f"  process ready, cached      {_fmt(r.get('cached_ready_s'), '8.2f')} s"
            "   (fresh process: imports + files ready + load)",
            f"  process ready, first run   {_fmt(r.get('cold_ready_s'), '8.2f')} s"
            f"   (of which join/convert {_fmt(r.get('cold_prepare_s'), '.2f')} s)",
            f"  peak RSS                   {r['peak_rss_mb']:8.0f} MB",
            f"  prompt tokens (median)     {r['prompt_tokens']:8.0f}"
            f"   cached on reuse: {r['cached_prompt_tokens']:.0f}",
            f"  prefill                    {r['prefill_tps']:8.1f} tok/s",
            f"  decode, unconstrained      {r['decode_tps']:8.1f} tok/s",
            f"  decode, REM grammar        {r['constrained_tps']:8.1f} tok/s"
            f"   ratio {_fmt(ratio, '.2f')}",
            f"  request, no KV cache       {r['nocache_ms']:8.0f} ms",
            f"  request, prefix cached     {r['cache_ms']:8.0f} ms   ratio {_fmt(speedup, '.2f')}",
        ]
        if "outlines_ms" in r:
            lines.append(
                f"  outlines.Generator path    {r['outlines_ms']:8.0f} ms"
                f"   KV tokens kept after the call: {r['outlines_tokens_kept']}"
            )
        lines.append(f"  sample output              {r['sample']!r}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
