"""Write the evaluation sets from their case files: eval/devset.cases.yaml gives
eval/devset.jsonl (the dev set) and eval/fresh.cases.yaml gives eval/fresh.jsonl.

    python eval/make_devset.py                   # rewrites both sets
    python eval/make_devset.py fresh --out /tmp  # writes /tmp/fresh.jsonl only

A case file maps each category to its cases, in order; ids count within a category
(`search-003`, `fresh-search-003`). A case has these fields, each a string or a list of
strings; the file is read with YAML's BaseLoader, so nothing is ever read as a date,
number or boolean and `now` needs no quotes:

    nl        the search-bar request
    expected  the expected REM query, on one line
    accept    equally correct alternatives (a list; optional)
    dates     the time phrases of `nl`, in order (a list; optional)
    now       the reference wall time in the case's zone (default 2026-11-26T10:30:00)
    tz        an IANA zone (default UTC)
    profile   rem or p8fs (default rem)

In a query, `{{created_at}}` stands for the condition of the case's first date phrase on
that field, `{{created_at:1}}` for the second's: `created_at >= 'start' AND created_at <
'end'`, an open side left out. The dates are not taken from `rem_agent.dates`, the
resolver under test: `rem_agent.train.calendar` is a small independent computation, and
the tests check that it agrees with `resolve_dates` on every case. Every query is checked
to be valid canonical REM in its profile before anything is written.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from rem_agent.rem import Profile, check_rem
from rem_agent.train.calendar import condition, literals

HERE = Path(__file__).resolve().parent
SETS = {"devset": "", "fresh": "fresh-"}  # set name -> id prefix
PLACEHOLDER = re.compile(r"\{\{(\w+)(?::(\d))?\}\}")
Bounds = tuple[str | None, str | None]


@dataclass(frozen=True)
class Case:
    nl: str
    expected: str
    accept: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    now: str = "2026-11-26T10:30:00"  # a Thursday: REM.md's worked examples
    tz: str = "UTC"
    profile: str = "rem"


LISTS = {"accept", "dates"}


class _Loader(yaml.BaseLoader):
    """BaseLoader that refuses a repeated key: YAML would keep only the last one,
    silently dropping a category's cases or a case's field."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, object]:
        keys = [key.value for key, _ in node.value]
        if repeated := {k for k in keys if keys.count(k) > 1}:
            raise SystemExit(f"{node.start_mark}: repeated key {sorted(repeated)}")
        return super().construct_mapping(node, deep)


def _case(where: str, entry: object) -> Case:
    def right(name: str, value: object) -> bool:
        if name in LISTS:
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        return isinstance(value, str)

    names = {f.name for f in fields(Case)}
    if (
        isinstance(entry, dict)
        and {"nl", "expected"} <= entry.keys() <= names
        and all(right(k, v) for k, v in entry.items())
    ):
        return Case(**entry)
    raise SystemExit(f"{where}: a case is a mapping of {sorted(names)}; got {entry!r}")


def load(path: Path) -> dict[str, list[Case]]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise SystemExit(f"{path}: expected a mapping of category to a list of cases")
    return {
        category: [_case(f"{path}: {category} #{i}", e) for i, e in enumerate(entries, 1)]
        for category, entries in data.items()
    }


def _fill(template: str, bounds: list[Bounds]) -> str:
    return PLACEHOLDER.sub(lambda m: condition(m[1], bounds[int(m[2] or 0)]), template)


def _check(query: str, case: Case) -> str:
    result = check_rem(query, profile=Profile(case.profile))
    if not result.valid:
        raise SystemExit(f"{case.nl!r}: {query!r} is not valid {case.profile} REM: {result.errors}")
    if result.canonical != query:
        raise SystemExit(f"{case.nl!r}: {query!r} is not canonical: {result.canonical!r}")
    return query


def build(path: Path, prefix: str = "") -> list[dict[str, object]]:
    """The rows of one set, in the order of its case file."""
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for category, cases in load(path).items():
        for index, case in enumerate(cases, 1):
            key = f"{case.profile}:{case.nl.lower()}"
            if key in seen:
                raise SystemExit(f"{path}: the request {case.nl!r} is there twice")
            seen.add(key)
            bounds = [literals(p, case.now, case.tz) for p in case.dates]
            refs = [_check(_fill(q, bounds), case) for q in (case.expected, *case.accept)]
            if len(set(refs)) != len(refs):
                raise SystemExit(f"{case.nl!r}: a reference is listed twice")
            rows.append(
                {
                    "id": f"{prefix}{category}-{index:03d}",
                    "nl": case.nl,
                    "now": case.now,
                    "tz": case.tz,
                    "profile": case.profile,
                    "expected": refs[0],
                    "accept": refs[1:],
                    "category": category,
                    "dates": [
                        {"phrase": p, "start": start, "end": end}
                        for p, (start, end) in zip(case.dates, bounds, strict=True)
                    ],
                }
            )
    return rows


def dump(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write eval/<set>.jsonl from its case file.")
    parser.add_argument("sets", nargs="*", metavar="SET", help=f"of {list(SETS)} (default: all)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    args = parser.parse_args(argv)
    if unknown := set(args.sets) - SETS.keys():
        parser.error(f"unknown set(s) {sorted(unknown)}; the sets are {list(SETS)}")
    for name in args.sets or SETS:
        rows = build(HERE / f"{name}.cases.yaml", SETS[name])
        out = args.out / f"{name}.jsonl"
        # Through a temporary file, so that a running evaluation never reads half a set.
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(dump(rows), encoding="utf-8")
        tmp.replace(out)
        print(f"wrote {len(rows)} cases to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
