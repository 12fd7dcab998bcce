"""Model layer timings: join+verify cold vs cached, tokenizer rebuild, GGUF→MLX conversion.

Runs in a throw-away cache (REM_AGENT_CACHE_DIR is set to a temp dir), so it
measures first-use cost honestly and leaves the user's cache alone.

    python bench/bench_models.py [--quantize]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--quantize", action="store_true", help="also time the 4-bit MLX path")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="rem-agent-bench-"))
    os.environ["REM_AGENT_CACHE_DIR"] = str(root)
    # Imported after the env var so every default path lands in the temp cache.
    from rem_agent.models import convert, ensure_gguf, gguf_status, tokenizer_from_gguf

    rows: list[tuple[str, str]] = []
    try:
        gguf, t = timed(lambda: ensure_gguf(args.model))
        rows.append(("join + sha256, cold", f"{t:.2f} s"))
        _, t = timed(lambda: ensure_gguf(args.model))
        rows.append(("ensure_gguf, cached (size check)", f"{t * 1000:.2f} ms"))
        _, t = timed(lambda: gguf_status(args.model, full=True))
        rows.append(("full sha256 verify", f"{t:.2f} s"))
        rows.append(("GGUF size on disk", f"{gguf.stat().st_size / 1e6:.0f} MB"))
        _, t = timed(lambda: tokenizer_from_gguf(gguf))
        rows.append(("tokenizer from GGUF metadata, cold", f"{t:.2f} s"))
        _, t = timed(lambda: tokenizer_from_gguf(gguf))
        rows.append(("tokenizer, cached", f"{t:.2f} s"))
        out, t = timed(lambda: convert(gguf))
        rows.append(("GGUF → MLX float16, cold", f"{t:.1f} s"))
        _, t = timed(lambda: convert(gguf))
        rows.append(("GGUF → MLX, cached", f"{t * 1000:.2f} ms"))
        rows.append(("MLX float16 dir on disk", f"{dir_size(out) / 1e6:.0f} MB"))
        if args.quantize:
            out_q, t = timed(lambda: convert(gguf, quantize=True))
            rows.append(("GGUF → MLX 4-bit, cold", f"{t:.1f} s"))
            rows.append(("MLX 4-bit dir on disk", f"{dir_size(out_q) / 1e6:.0f} MB"))
    finally:
        shutil.rmtree(root, ignore_errors=True)

    width = max(len(k) for k, _ in rows)
    print(f"model: {args.model}  (cpus: {os.cpu_count()})")
    print(f"{'step'.ljust(width)}  time / size")
    print(f"{'-' * width}  -----------")
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
