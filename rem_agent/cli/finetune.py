"""`rem-agent finetune DATA_DIR`: train a REM LoRA adapter (rem_agent/train/finetune.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rem_agent.cli.common import status


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "finetune",
        help="train a REM LoRA adapter on `rem-agent data build` output (needs [train])",
        description=(
            "LoRA training with peft on torch (CPU, CUDA or Apple MPS as torch finds them), "
            "loss on the answer tokens only. Measures validation loss every --eval-every "
            "steps, keeps the best adapter, writes checkpoint.pt for --resume, and exports "
            "OUT/adapter.gguf (llama.cpp) and OUT/mlx-adapter/ (mlx-lm) with a manifest, so "
            "`rem-agent translate --adapter OUT` uses it."
        ),
    )
    parser.add_argument("data", type=Path, metavar="DATA_DIR", help="train.jsonl + valid.jsonl")
    parser.add_argument(
        "--model", metavar="ID|PATH", help="bundled model or .gguf (default: the bundled 0.5B)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("adapter-out"), help="output folder (default: adapter-out)"
    )
    parser.add_argument("--rank", type=int, default=16, help="LoRA rank (default: 16)")
    parser.add_argument("--alpha", type=float, default=32.0, help="LoRA alpha (default: 32)")
    parser.add_argument(
        "--targets",
        default="q_proj,k_proj,v_proj,o_proj",
        help="comma-separated modules to adapt (default: the attention projections)",
    )
    parser.add_argument("--steps", type=int, help="optimizer steps (default: one epoch)")
    parser.add_argument("--batch-size", type=int, default=8, help="rows per step (default: 8)")
    parser.add_argument("--lr", type=float, default=4e-4, help="peak learning rate (default: 4e-4)")
    parser.add_argument("--eval-every", type=int, default=40, help="steps between validations")
    parser.add_argument("--eval-rows", type=int, default=48, help="validation rows (default: 48)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--name", help="adapter name (default: <model>-rem)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rem_agent.errors import UsageError
    from rem_agent.train.finetune import FinetuneConfig, finetune

    for name in ("rank", "steps", "batch_size", "eval_every", "eval_rows"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1, not {value}")
    config = FinetuneConfig(
        data=args.data,
        out=args.out,
        model=args.model,
        rank=args.rank,
        alpha=args.alpha,
        targets=tuple(t.strip() for t in args.targets.split(",") if t.strip()),
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        eval_every=args.eval_every,
        eval_rows=args.eval_rows,
        seed=args.seed,
        threads=args.threads,
        name=args.name,
        resume=args.resume,
    )
    result = finetune(config, progress=status)
    print(
        f"best validation loss {result.best_valid_loss:.4f} at step {result.best_step} "
        f"(from {result.first_valid_loss:.4f}); {result.train_tokens} tokens in "
        f"{result.seconds:.0f}s ({result.tokens_per_s:.1f} tokens/s)"
    )
    print(f"llama.cpp adapter: {result.gguf_adapter}")
    print(f"mlx-lm adapter:    {result.mlx_adapter}")
    return 0
