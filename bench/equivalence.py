"""Same answers before and after a restructuring: dump every answer, then compare dumps.

    python bench/equivalence.py dump OUT.jsonl [--engine llamacpp|mlx-tiny] [--no-adapter]
    python bench/equivalence.py compare BEFORE.jsonl AFTER.jsonl
    python bench/equivalence.py grammars      # one sha256 over every decode grammar

`dump` translates every case of the dev, held-out and fresh sets, in order, with the
answer cache off, and writes one line per case: the query, validity, statement, dates,
warnings, error, the raw model output, the retry's first answer, the few-shot examples
and every token count (prompt, prefilled, cached, generated, forced, repeats undone).
Times are left out: they are the only thing allowed to differ. `mlx-tiny` decodes with
a tiny random-weight MLX model on the real tokenizer at temperature 0, so MLX's path is
compared too, in seconds.

It uses only `RemAgent`'s public API and `Translation`'s documented fields, so the same
file runs on the old checkout (copy it into a worktree of the old commit and run it
there: `cd OLD && python /path/to/bench/equivalence.py dump ...`). `compare` exits 1 and
names the first differing fields of each case that differs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

SETS = ("eval/devset.jsonl", "eval/heldout.jsonl", "eval/fresh.jsonl")
TOKEN_KEYS = ("cached_prompt_tokens", "generated_tokens", "forced_tokens", "repeats_undone")


def _cases(root: Path, limit: int | None) -> Iterator[dict[str, Any]]:
    for name in SETS:
        rows = [json.loads(line) for line in (root / name).read_text().splitlines() if line]
        yield from (rows[:limit] if limit else rows)


def _tokens(timings: dict[str, Any]) -> dict[str, int]:
    """The token counts of a `Translation.timings`, in either shape it has had: flat
    (before issue 21) or with the decode's stats under `decode` (None: no model ran)."""
    if "prefill_tokens" in timings:
        return {k: timings[k] for k in ("prefill_tokens", *TOKEN_KEYS)}
    stats = timings.get("decode") or {}
    prompt, cached = stats.get("prompt_tokens", 0), stats.get("cached_prompt_tokens", 0)
    return {"prefill_tokens": prompt - cached, **{k: stats.get(k, 0) for k in TOKEN_KEYS}}


def _record(case: dict[str, Any], result: Any) -> dict[str, Any]:
    data = result.model_dump(mode="json")
    tokens = _tokens(data.pop("timings"))
    explain = data.pop("explain") or {}
    return {"id": case["id"], **data, "tokens": tokens, "explain": explain}


def _agent(engine: str, adapter: bool, tiny_dir: Path) -> Any:
    from rem_agent.agent import RemAgent

    if engine == "llamacpp":
        return RemAgent(engine="llamacpp", adapter=adapter, cache_size=0)
    from rem_agent.engines.mlx import MlxEngine
    from rem_agent.models.bundle import ensure_gguf
    from rem_agent.models.tiny import write_tiny_mlx_model

    gguf = ensure_gguf("qwen2.5-coder-0.5b")
    model_dir = write_tiny_mlx_model(tiny_dir / "tiny", tokenizer_from=gguf, seed=0)
    # A random model rarely ends on its own: a short budget keeps the run in seconds.
    return RemAgent(engine_instance=MlxEngine(model_dir), cache_size=0, max_tokens=48)


def dump(out: Path, *, engine: str, adapter: bool, limit: int | None) -> int:
    root = Path.cwd()
    with tempfile.TemporaryDirectory() as tiny_dir:
        agent = _agent(engine, adapter, Path(tiny_dir))
        agent.load()
        cases = list(_cases(root, limit))
        with out.open("w", encoding="utf-8") as f:
            for n, case in enumerate(cases, 1):
                result = agent.translate(
                    case["nl"],
                    now=datetime.fromisoformat(case["now"]),
                    tz=case.get("tz", "UTC"),
                    profile=case.get("profile", "rem"),
                    explain=True,
                )
                f.write(json.dumps(_record(case, result), sort_keys=True) + "\n")
                if n % 50 == 0 or n == len(cases):
                    print(f"{n}/{len(cases)}", file=sys.stderr, flush=True)
    return 0


def compare(before: Path, after: Path) -> int:
    old = [json.loads(line) for line in before.read_text().splitlines()]
    new = [json.loads(line) for line in after.read_text().splitlines()]
    if [r["id"] for r in old] != [r["id"] for r in new]:
        print("the two dumps hold different cases")
        return 1
    differing = 0
    for a, b in zip(old, new, strict=True):
        if a == b:
            continue
        differing += 1
        keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        print(f"{a['id']}: {', '.join(keys)}")
        for k in keys[:3]:
            print(f"  before {k}: {a.get(k)!r}\n  after  {k}: {b.get(k)!r}")
    print(f"{len(old)} cases, {differing} differ", file=sys.stderr)
    return 1 if differing else 0


def grammars() -> int:
    """The sha256 of both decode grammars (and the retry's, without SEARCH) of every case:
    no model needed, so it is the quick check after a change to the spec or the grammar."""
    import hashlib

    from rem_agent.rem import Profile, default_catalog
    from rem_agent.rem.decode_grammar import decode_grammar

    try:
        from rem_agent.translate.request import TranslateOptions, for_model
        from rem_agent.translate.spec import decode_spec
    except ImportError:  # the layout before issue 21
        from rem_agent.request import TranslateOptions, for_model  # type: ignore[no-redef]
        from rem_agent.request_spec import decode_spec  # type: ignore[no-redef]

    catalog, digest, n = default_catalog(), hashlib.sha256(), 0
    for case in _cases(Path.cwd(), None):
        options = TranslateOptions(
            now=datetime.fromisoformat(case["now"]),
            tz=case.get("tz", "UTC"),
            profile=Profile(case.get("profile", "rem")),
        )
        spec = decode_spec(for_model(case["nl"], options, catalog), catalog=catalog)
        for one in (spec, spec.model_copy(update={"search": False})):
            digest.update(decode_grammar(one).encode())
        n += 1
    print(f"{n} cases, decode grammars sha256 {digest.hexdigest()}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    d = commands.add_parser("dump", help="translate every case and write the answers")
    d.add_argument("out", type=Path)
    d.add_argument("--engine", choices=("llamacpp", "mlx-tiny"), default="llamacpp")
    d.add_argument("--no-adapter", action="store_true", help="the base model, few-shot")
    d.add_argument("--limit", type=int, help="the first N cases of each set")
    c = commands.add_parser("compare", help="compare two dumps")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    commands.add_parser("grammars", help="hash every decode grammar (no model)")
    args = parser.parse_args()
    if args.command == "dump":
        return dump(args.out, engine=args.engine, adapter=not args.no_adapter, limit=args.limit)
    if args.command == "grammars":
        return grammars()
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
