"""`rem-agent translate`: natural language in, one REM query out."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from rem_agent.agent import Translation
from rem_agent.cli.common import (
    add_model_options,
    add_profile_catalog,
    add_time_options,
    agent_from_args,
    input_lines,
    parse_now,
    print_json_line,
)
from rem_agent.dates import load_zone
from rem_agent.errors import UsageError
from rem_agent.translate.confidence import check_confidence

if TYPE_CHECKING:
    from rem_agent.engines.base import Engine


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "translate",
        help="turn a search-bar request into one REM query",
        description=(
            "Translate TEXT into one valid REM query with a local model decoding under the "
            "REM grammar. Relative dates are resolved by code; the model may only copy them. "
            "Prints the query alone on stdout (exit 0), or the reason it could not (exit 1)."
        ),
    )
    parser.add_argument(
        "text",
        metavar="TEXT",
        help='the request; "-" reads one per stdin line and answers every line, blank ones '
        'too, with one JSON line that starts with "line": N, its line number from 1 (JSON '
        "even without --json: plain text could not hold a failed line's place); exit 1 if "
        "any line failed",
    )
    add_time_options(parser)
    add_profile_catalog(parser)
    add_model_options(parser)
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument(
        "--explain", action="store_true", help="also show dates, examples chosen and timings"
    )
    parser.add_argument(
        "--no-constrain",
        action="store_true",
        help="decode without the grammar (the baseline; the output may be invalid)",
    )
    parser.add_argument(
        "--examples", type=int, default=4, metavar="K", help="few-shot examples shown (default 4)"
    )
    parser.add_argument(
        "--min-confidence",
        type=float,
        metavar="P",
        help="below this confidence (0-1), answer with a plain SEARCH of the request's words "
        "instead, and say so in a warning",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, *, engine: Engine | None = None) -> int:
    """`engine`: an engine to use instead of the one --engine, --model and the adapter
    options describe."""
    now = parse_now(args.now)
    load_zone(args.tz)
    if args.examples < 0:
        raise UsageError("--examples must be 0 or more")
    if args.min_confidence is not None:
        check_confidence(args.min_confidence)
    lines = input_lines(args.text, what="requests")
    if lines is None and not args.text.strip():
        raise UsageError("the request is empty: type what you are looking for")
    agent = agent_from_args(args, examples=args.examples, engine_instance=engine)
    kwargs = {
        "now": now,
        "constrain": not args.no_constrain,
        "explain": args.explain,
        "min_confidence": args.min_confidence,
    }
    if lines is None:
        result = agent.translate(args.text, **kwargs)
        _print(result, as_json=args.json, explain=args.explain)
        return 0 if result.valid else 1
    status_code = 0
    for line in lines:
        try:
            result = agent.translate(line.text, **kwargs)
        except UsageError as exc:  # a blank line too, as `translate ""`
            print_json_line(line, {"query": None, "valid": False, "error": str(exc)})
            status_code = 1
            continue
        print_json_line(line, result.model_dump(mode="json"))
        status_code = max(status_code, 0 if result.valid else 1)
    return status_code


def _print(result: Translation, *, as_json: bool, explain: bool) -> None:
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    if explain:
        _print_explain(result)
    for warning in result.warnings:
        print(f"rem-agent: warning: {warning}", file=sys.stderr)
    if result.valid:
        print(result.query)
    else:
        print(f"rem-agent: error: {result.error}", file=sys.stderr)


def _print_explain(result: Translation) -> None:
    err = sys.stderr
    for d in result.dates:
        print(f"  date   {d.text!r} -> [{d.start or 'open'}, {d.end or 'open'})", file=err)
    if not result.dates:
        print("  date   (none in the request)", file=err)
    for q in result.quantities:
        print(f"  {q.kind:<6} {q.text!r} -> {q.read_as}", file=err)
    replaced = f" (replaced {result.replaced!r})" if result.replaced else ""
    print(f"  trust  confidence {result.confidence:.2f}{replaced}", file=err)
    if result.explain:
        adapter = f", adapter {result.adapter}" if result.adapter else ", no adapter"
        print(f"  prompt {result.explain.prompt_style}{adapter}", file=err)
        for example in result.explain.examples:
            print(f"  shown  {example}", file=err)
        if result.explain.first_answer is not None:
            print(f"  first  {result.explain.first_answer!r} (no topic: decoded again)", file=err)
        if result.explain.raw_output is not None:
            print(f"  output {result.explain.raw_output!r}", file=err)
    t, stats = result.timings, result.timings.decode
    print(
        f"  time   {t.total_ms:.0f} ms; prompt {stats.prefill_tokens} new + "
        f"{stats.cached_prompt_tokens} cached tokens; {stats.generated_tokens} generated "
        f"({stats.forced_tokens} forced by the grammar) at "
        f"{stats.tokens_per_s:.1f} tok/s; engine {result.engine}, model {result.model}, "
        f"source {result.source}",
        file=err,
    )
