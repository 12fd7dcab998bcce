"""Summarise an `rem-agent eval --trace` file per variant, including an interrupted run.

    python eval/trace_variants.py TRACE.jsonl

Each trace row names its variant (`mode`); a run that stopped early still gives figures for
the cases every variant finished.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    by_variant: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        by_variant[row["mode"]][row["id"]] = row
    names = list(by_variant)
    ids = [i for i in by_variant[names[0]] if all(i in by_variant[n] for n in names)]
    runs = {n: [by_variant[n][i] for i in ids] for n in names}

    def pct(values: list[bool]) -> str:
        return f"{100 * sum(values) / len(values):.1f}" if values else "-"

    def component(rs: list[dict], key: str) -> list[bool]:
        return [
            r["score"]["components"][key] for r in rs if r["score"]["components"][key] is not None
        ]

    print(f"{len(ids)} cases finished by every variant\n")
    print("| metric | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    print(
        "| valid % | "
        + " | ".join(pct([r["score"]["valid"] for r in runs[n]]) for n in names)
        + " |"
    )
    print(
        "| exact % | "
        + " | ".join(pct([r["score"]["exact"] for r in runs[n]]) for n in names)
        + " |"
    )
    for key, label in (("statement", "statement kind %"), ("dates", "date interval %")):
        print(f"| {label} | " + " | ".join(pct(component(runs[n], key)) for n in names) + " |")
    medians = [f"{statistics.median(r['total_ms'] for r in runs[n]):.0f}" for n in names]
    print("| latency p50 ms (eval run) | " + " | ".join(medians) + " |")
    print("\n| category | n | " + " | ".join(f"{n} exact %" for n in names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for category in sorted({r["category"] for r in runs[names[0]]}):
        cells = [[r["score"]["exact"] for r in runs[n] if r["category"] == category] for n in names]
        print(f"| {category} | {len(cells[0])} | " + " | ".join(pct(c) for c in cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
