"""Request → REM pairs written by people (`data/written/`), checked and cross-labelled.

A writer writes requests with their labels; a second labeller labels the same requests
without seeing the first labels (`data/written/GUIDE.md`). Labels never hold a date: the
time filter is a `{{field}}` placeholder and `when` names the request's time phrase, which
the independent calendar (`train.calendar`) turns into bounds at the reference moment,
as for the generated data. A pair is kept when both labels give the same canonical query.

    python -m rem_agent.train.written check FILE...                every line valid, or why not
    python -m rem_agent.train.written check-labels REQUESTS LABELS a blind labelling, likewise
    python -m rem_agent.train.written agree WRITTEN LABELS         the agreement, and the misses
    python -m rem_agent.train.written cases BLIND_DIR --out FILE   agreed blind rows as eval cases
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from rem_agent.evaluation.dataset import DateNote, DevCase
from rem_agent.rem.check import check_rem
from rem_agent.rem.profile import Profile
from rem_agent.train.calendar import condition, literals

# REM.md's worked-example moment: Thursday 2026-11-26 10:30 UTC.
REFERENCE_NOW = "2026-11-26T10:30:00"
REFERENCE_TZ = "UTC"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
T = TypeVar("T", bound=BaseModel)


class Label(BaseModel):
    """One labeller's answer to one request: REM with `{{field}}` for the time filter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    rem: str
    when: tuple[str, ...] = ()


class Request(BaseModel):
    """A request as a labeller gets it: without anyone's label."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    request: str
    profile: Profile = Profile.REM


class WrittenPair(Label):
    """A request as its writer wrote it, with the writer's own label."""

    request: str
    profile: Profile = Profile.REM
    category: str = ""  # what the request tests (the blind set reports per category)


class Filled(BaseModel):
    """A label with its dates filled in and checked: `canonical` is None when invalid."""

    model_config = ConfigDict(frozen=True)

    id: str
    target: str
    canonical: str | None
    problem: str | None = None


def fill(label: Label, *, now: str = REFERENCE_NOW, tz: str = REFERENCE_TZ) -> str:
    """The label's REM with each `{{field}}` replaced by the interval of its time phrase.
    Raises `ValueError` for a placeholder without a phrase, or a phrase the calendar has
    no rule for. (A phrase without a placeholder is a time the query does not express,
    as a p8fs SEARCH cannot.)"""
    fields = _PLACEHOLDER.findall(label.rem)
    if len(label.when) > 1:
        raise ValueError(f"at most one time phrase, not {len(label.when)}")
    if fields and not label.when:
        raise ValueError("a {{field}} placeholder but no phrase in `when`")
    if not fields:
        return label.rem
    bounds = literals(label.when[0], now, tz)
    return _PLACEHOLDER.sub(lambda m: condition(m[1], bounds), label.rem)


def checked(label: Label, profile: Profile, request: str | None = None) -> Filled:
    """`label` filled and validated under `profile` (and its phrase found in `request`)."""
    try:
        if request is not None:
            for phrase in label.when:
                if phrase not in request:
                    raise ValueError(f"the phrase {phrase!r} is not in the request as typed")
        if label.when and profile is Profile.REM and not _PLACEHOLDER.search(label.rem):
            raise ValueError(f"`when` names {label.when[0]!r} but the query has no {{{{field}}}}")
        target = fill(label)
    except ValueError as exc:
        return Filled(id=label.id, target=label.rem, canonical=None, problem=str(exc))
    result = check_rem(target, profile=profile)
    if not result.valid:
        why = result.errors[0].message if result.errors else "it does not parse"
        return Filled(id=label.id, target=target, canonical=None, problem=why)
    return Filled(id=label.id, target=target, canonical=result.canonical)


def label_problem(label: Label, profile: Profile, request: str) -> str | None:
    """What is wrong with a label as written (invalid, or not in canonical form), if anything."""
    result = checked(label, profile, request)
    if result.canonical is None:
        return f"{result.problem}: {result.target}"
    if result.canonical != result.target:
        return f"not canonical: {result.target!r} prints as {result.canonical!r}"
    return None


def read_lines(path: Path, model: type[T]) -> tuple[list[T], list[str]]:
    """The rows of a JSON Lines file, and a problem per line that is not a `model`."""
    rows: list[T] = []
    problems: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            rows.append(model.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "line"
            problems.append(f"{path.name}:{number}: {where}: {first['msg']}")
    return rows, problems


class Agreement(BaseModel):
    """Two labellings of the same requests compared."""

    compared: int
    agreed: int
    missing: list[str]  # ids the labels lack
    disagreed: list[tuple[str, str, str]]  # (id, first canonical, second canonical)

    @property
    def rate(self) -> float:
        return self.agreed / self.compared if self.compared else 0.0


def agreement(written: Iterable[WrittenPair], labels: Iterable[Label]) -> Agreement:
    by_id = {label.id: label for label in labels}
    compared = agreed = 0
    missing: list[str] = []
    disagreed: list[tuple[str, str, str]] = []
    for pair in written:
        other = by_id.get(pair.id)
        if other is None:
            missing.append(pair.id)
            continue
        compared += 1
        first = checked(pair, pair.profile, pair.request)
        second = checked(other, pair.profile, pair.request)
        if first.canonical is not None and first.canonical == second.canonical:
            agreed += 1
        else:
            disagreed.append(
                (
                    pair.id,
                    first.canonical or f"invalid: {first.problem}",
                    second.canonical or f"invalid: {second.problem}",
                )
            )
    return Agreement(compared=compared, agreed=agreed, missing=missing, disagreed=disagreed)


def agreed(written_dir: Path) -> tuple[list[tuple[WrittenPair, str]], dict[str, Agreement]]:
    """Every written pair of `written_dir/*.jsonl` whose blind label in
    `written_dir/labels/` gives the same canonical query, with that query; and the
    agreement of each file. A file without labels agrees on nothing yet."""
    kept: list[tuple[WrittenPair, str]] = []
    report: dict[str, Agreement] = {}
    for path in sorted(written_dir.glob("*.jsonl")):
        rows, problems = read_lines(path, WrittenPair)
        labels_path = written_dir / "labels" / path.name
        labels = read_lines(labels_path, Label)[0] if labels_path.is_file() else []
        if problems:
            raise ValueError(f"{path}: {problems[0]}")
        result = agreement(rows, labels)
        report[path.stem] = result
        misses = {d[0] for d in result.disagreed} | set(result.missing)
        for row in rows:
            if row.id not in misses:
                canonical = checked(row, row.profile, row.request).canonical
                assert canonical is not None  # it agreed, so it is valid
                kept.append((row, canonical))
    return kept, report


def as_case(pair: WrittenPair, canonical: str) -> DevCase:
    """A written pair as an eval case (the dev-set format), dates from the calendar."""
    dates = [
        DateNote(phrase=phrase, start=start, end=end)
        for phrase in pair.when
        for start, end in [literals(phrase, REFERENCE_NOW, REFERENCE_TZ)]
    ]
    return DevCase(
        id=pair.id,
        nl=pair.request,
        now=REFERENCE_NOW,
        tz=REFERENCE_TZ,
        profile=pair.profile,
        expected=canonical,
        category=pair.category or "written",
        dates=dates,
    )


def _cases(blind_dir: Path, out: Path) -> int:
    kept, report = agreed(blind_dir)
    text = "".join(as_case(pair, canonical).model_dump_json() + "\n" for pair, canonical in kept)
    out.write_text(text, encoding="utf-8")
    for name, result in report.items():
        print(
            f"{name}: agreed {result.agreed}/{result.compared} ({100 * result.rate:.1f}%), "
            f"{len(result.missing)} unlabelled",
            file=sys.stderr,
        )
    print(f"{len(kept)} cases written to {out}", file=sys.stderr)
    return 0


def _check(paths: Sequence[Path]) -> int:
    bad = 0
    for path in paths:
        rows, problems = read_lines(path, WrittenPair)
        seen: set[str] = set()
        for pair in rows:
            if pair.id in seen:
                problems.append(f"{path.name}: {pair.id}: the id is used twice")
            seen.add(pair.id)
            problem = label_problem(pair, pair.profile, pair.request)
            if problem is not None:
                problems.append(f"{path.name}: {pair.id}: {problem}")
        for problem in problems:
            print(problem)
        print(f"{path}: {len(rows)} rows, {len(problems)} problems", file=sys.stderr)
        bad += len(problems)
    return 1 if bad else 0


def _check_labels(requests_path: Path, labels_path: Path) -> int:
    requests, problems = read_lines(requests_path, Request)
    labels, more = read_lines(labels_path, Label)
    problems += more
    by_id = {r.id: r for r in requests}
    labelled = [label.id for label in labels]
    problems += [
        f"{i}: labelled twice" for i in sorted({i for i in labelled if labelled.count(i) > 1})
    ]
    problems += [f"{i}: no such request" for i in labelled if i not in by_id]
    problems += [f"{r.id}: not labelled" for r in requests if r.id not in set(labelled)]
    for label in labels:
        request = by_id.get(label.id)
        if request is None:
            continue
        problem = label_problem(label, request.profile, request.request)
        if problem is not None:
            problems.append(f"{label.id}: {problem}")
    for problem in problems:
        print(problem)
    print(f"{labels_path}: {len(labels)} labels, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def _agree(written_path: Path, labels_path: Path) -> int:
    written, p1 = read_lines(written_path, WrittenPair)
    labels, p2 = read_lines(labels_path, Label)
    for problem in p1 + p2:
        print(problem)
    result = agreement(written, labels)
    for pair_id, first, second in result.disagreed:
        print(json.dumps({"id": pair_id, "written": first, "label": second}))
    print(
        f"agreed {result.agreed}/{result.compared} ({100 * result.rate:.1f}%), "
        f"{len(result.missing)} unlabelled",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rem_agent.train.written")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate written pairs")
    check.add_argument("files", nargs="+", type=Path)
    labels = commands.add_parser("check-labels", help="validate a blind labelling")
    labels.add_argument("requests", type=Path)
    labels.add_argument("labels", type=Path)
    agree = commands.add_parser("agree", help="compare written pairs with a blind labelling")
    agree.add_argument("written", type=Path)
    agree.add_argument("labels", type=Path)
    cases = commands.add_parser("cases", help="the agreed rows of a folder as eval cases")
    cases.add_argument("folder", type=Path)
    cases.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "check":
        return _check(args.files)
    if args.command == "check-labels":
        return _check_labels(args.requests, args.labels)
    if args.command == "cases":
        return _cases(args.folder, args.out)
    return _agree(args.written, args.labels)


if __name__ == "__main__":
    sys.exit(main())
