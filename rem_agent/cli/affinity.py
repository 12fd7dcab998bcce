"""`rem-agent affinity`: how two resources relate, as schema-bound JSON or p8fs edges."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from rem_agent.affinity.judge import (
    DEFAULT_MIN_SCORE,
    MAX_TEXT_CHARS,
    AffinityResult,
    BatchItem,
    clean_text,
    score_batch,
    score_pair,
)
from rem_agent.agent import RemAgent
from rem_agent.cli.common import add_model_options, agent_from_args, status
from rem_agent.errors import UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "affinity",
        help="score how two resources relate (edges for the p8fs knowledge graph)",
        description=(
            "Ask the local model how resource B relates to resource A: an affinity score "
            "(0.0 to 1.0, one decimal), a relationship (SEE_ALSO, PREREQUISITE, CONTINUATION "
            "or NONE) and a one-sentence reason. Decoding follows the result's JSON schema, "
            "so every answer is valid. With --batch, reads JSONL pairs "
            '{"source": {"id", "content"}, "target": {"id", "content"}} and writes p8fs '
            'edges {"from", "to", "type", "score", "reason"}, one per line. '
            f"Each text may be up to {MAX_TEXT_CHARS:,} characters."
        ),
    )
    parser.add_argument("--a", metavar="TEXT", help="the first resource's text (the source)")
    parser.add_argument("--b", metavar="TEXT", help="the second resource's text (the target)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--batch",
        metavar="FILE.jsonl",
        help='score every pair in FILE ("-" reads standard input); bad lines are reported '
        "on stderr by line number and the rest are still scored",
    )
    parser.add_argument(
        "--out", metavar="FILE", help="with --batch: write the edges here (default: stdout)"
    )
    parser.add_argument(
        "--min-score",
        type=float,
        default=DEFAULT_MIN_SCORE,
        metavar="S",
        help=f"with --batch: drop pairs scoring below S (default {DEFAULT_MIN_SCORE}); "
        "pairs judged NONE are always dropped",
    )
    parser.add_argument(
        "--no-constrain",
        action="store_true",
        help="decode without the JSON schema (the baseline; answers may be invalid)",
    )
    parser.add_argument(
        "--no-calibrate",
        action="store_true",
        help="let the model score freely, without the bounds set by the words the two "
        "texts share (the baseline; the bundled model is not a reliable judge alone)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="with --batch: no progress bar on stderr"
    )
    add_model_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.batch is not None:
        if args.a is not None or args.b is not None:
            raise UsageError("give --a and --b for one pair, or --batch for many, not both")
        if not 0.0 <= args.min_score <= 1.0:
            raise UsageError(f"--min-score must be between 0 and 1, not {args.min_score}")
        return _run_batch(args)
    if args.out is not None:
        raise UsageError("--out goes with --batch")
    if args.a is None or args.b is None:
        raise UsageError("give both --a TEXT and --b TEXT (or --batch FILE.jsonl)")
    # Checked before the model loads: bad input costs nothing.
    a = clean_text(args.a, what="--a")
    b = clean_text(args.b, what="--b")
    agent = _agent(args)
    result = score_pair(
        agent.load(), a, b, constrain=not args.no_constrain, calibrate=not args.no_calibrate
    )
    _print_result(result, as_json=args.json)
    return 0


def _agent(args: argparse.Namespace) -> RemAgent:
    # The shipped adapter is trained for REM, not for judging pairs: the base model judges
    # unless an adapter is asked for by name.
    return agent_from_args(args, adapter=args.adapter or False)


def _print_result(result: AffinityResult, *, as_json: bool) -> None:
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        print(f"{result.affinity_score:.1f}\t{result.relationship}\t{result.reason}")


def _run_batch(args: argparse.Namespace) -> int:
    source = args.batch
    total = None if source == "-" else _count_lines(Path(source))
    with _open_out(args.out) as out:
        engine = _agent(args).load()
        counts = {"edge": 0, "skipped": 0, "error": 0}
        bar = _progress(total, disabled=args.no_progress)
        try:
            for item in score_batch(
                engine,
                _read_lines(source),
                constrain=not args.no_constrain,
                min_score=args.min_score,
                calibrate=not args.no_calibrate,
            ):
                counts[item.status] += 1
                _emit(item, out, bar)
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
    status(
        f"{sum(counts.values())} pairs: {counts['edge']} edges, {counts['skipped']} skipped "
        f"(NONE or score below {args.min_score}), {counts['error']} errors"
    )
    return 1 if counts["error"] else 0


def _emit(item: BatchItem, out: IO[str], bar: Any) -> None:
    if item.edge is not None:
        out.write(item.edge.json_line() + "\n")
        out.flush()
    elif item.error is not None:
        message = f"rem-agent: error: {item.error}"
        if bar is not None:
            bar.write(message, file=sys.stderr)  # keeps the bar intact below the message
        else:
            print(message, file=sys.stderr, flush=True)


def _progress(total: int | None, *, disabled: bool) -> Any:
    if disabled:
        return None
    from tqdm import tqdm

    # disable=None: drawn only when stderr is a terminal, so logs stay clean.
    return tqdm(total=total, file=sys.stderr, unit="pair", leave=False, disable=None)


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _read_lines(source: str) -> Iterator[bytes]:
    """Raw lines: each is decoded on its own, so one bad byte costs one line, not the batch."""
    if source == "-":
        if sys.stdin is None or sys.stdin.closed:
            raise UsageError("--batch - reads pairs from standard input, but there is none")
        yield from sys.stdin.buffer
        return
    try:
        with open(source, "rb") as f:
            yield from f
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from None


@contextlib.contextmanager
def _open_out(path: str | None) -> Iterator[IO[str]]:
    if path is None or path == "-":
        yield sys.stdout
        return
    try:
        f = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UsageError(f"cannot write edges to {path}: {exc.strerror}") from None
    with f:
        yield f
