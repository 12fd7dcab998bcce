"""Pairs written by people (`data/written/`) and the blind set (`eval/blind/`): every file
is valid, labels fill their dates from the independent calendar, the agreement of two
labellings is computed as stated, and no blind request is in the training data."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from rem_agent.dates import resolve_dates
from rem_agent.rem.profile import Profile
from rem_agent.train.calendar import literals
from rem_agent.train.data import normalise
from rem_agent.train.written import (
    REFERENCE_NOW,
    Label,
    WrittenPair,
    agreement,
    checked,
    fill,
    read_lines,
)

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = sorted((ROOT / "data" / "written").glob("*.jsonl"))
BLIND = sorted((ROOT / "eval" / "blind").glob("*.jsonl"))


def pair(rem: str, when: tuple[str, ...] = (), text: str = "kafka notes last week") -> WrittenPair:
    return WrittenPair(id="t-1", request=text, rem=rem, when=when)


def test_a_placeholder_becomes_the_calendars_interval() -> None:
    label = pair('SEARCH "kafka" IN resources WHERE {{created_at}}', ("last week",))
    assert fill(label) == (
        "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'"
    )
    assert checked(label, Profile.REM, label.request).canonical == fill(label)


@pytest.mark.parametrize(
    ("rem", "when", "text", "profile", "problem"),
    [
        ('SEARCH "kafka" IN resources WHERE {{created_at}}', (), "kafka", Profile.REM, "no phrase"),
        (
            'SEARCH "kafka" IN resources',
            ("last week",),
            "kafka last week",
            Profile.REM,
            "no {{field}}",
        ),
        (
            'SEARCH "k" IN resources WHERE {{created_at}}',
            ("last week",),
            "k",
            Profile.REM,
            "not in the request",
        ),
        (
            'SEARCH "k" IN resources WHERE {{created_at}}',
            ("the other day",),
            "k the other day",
            Profile.REM,
            "no independent rule",
        ),
        ("SELECT * FROM resources WHERE tags = 'x'", (), "x", Profile.REM, "tags"),
        ('FUZZY "x"', (), "x", Profile.P8FS, "FUZZY"),
    ],
)
def test_a_bad_label_is_reported_with_its_reason(
    rem: str, when: tuple[str, ...], text: str, profile: Profile, problem: str
) -> None:
    result = checked(Label(id="t", rem=rem, when=when), profile, text)
    assert result.canonical is None and result.problem is not None
    assert problem.lower() in result.problem.lower(), result.problem


def test_a_p8fs_search_names_its_time_without_filtering_on_it() -> None:
    label = Label(id="t", rem='SEARCH "kafka" IN resources', when=("last week",))
    assert (
        checked(label, Profile.P8FS, "kafka last week").canonical == 'SEARCH "kafka" IN resources'
    )


def test_agreement_counts_equal_canonical_queries_only() -> None:
    written = [
        WrittenPair(id="a", request="sarah chen", rem='LOOKUP "Sarah Chen"'),
        WrittenPair(id="b", request="kafka", rem='SEARCH "kafka" IN resources'),
        WrittenPair(
            id="c", request="pdfs", rem="SELECT * FROM files WHERE mime_type = 'application/pdf'"
        ),
    ]
    labels = [
        Label(id="a", rem='lookup "Sarah Chen"'),  # the same query, not canonical as typed
        Label(id="b", rem='SEARCH "kafka notes" IN resources'),
    ]
    result = agreement(written, labels)
    assert (result.compared, result.agreed, result.missing) == (2, 1, ["c"])
    assert result.rate == 0.5
    assert [d[0] for d in result.disagreed] == ["b"]


@pytest.mark.parametrize("path", [*WRITTEN, *BLIND], ids=lambda p: p.name)
def test_every_written_row_is_valid_and_canonical(path: Path) -> None:
    rows, problems = read_lines(path, WrittenPair)
    assert not problems and len(rows) >= 100
    assert len({r.id for r in rows}) == len(rows)
    for row in rows:
        result = checked(row, row.profile, row.request)
        assert result.canonical is not None and result.canonical == result.target, (row.id, result)


def test_the_blind_set_is_big_enough_and_stratified() -> None:
    rows = [r for path in BLIND for r in read_lines(path, WrittenPair)[0]]
    assert len(rows) >= 300
    categories = {r.category for r in rows}
    assert {"date_word_name", "framing", "quantity", "p8fs", "paraphrase"} <= categories
    assert all(r.category for r in rows)


def test_no_blind_request_is_in_the_training_data() -> None:
    blind = {normalise(r.request) for path in BLIND for r in read_lines(path, WrittenPair)[0]}
    written = {normalise(r.request) for path in WRITTEN for r in read_lines(path, WrittenPair)[0]}
    heldout = {
        normalise(json.loads(line)["nl"])
        for line in (ROOT / "eval" / "heldout.jsonl").read_text().splitlines()
        if line
    }
    assert not blind & written
    assert not heldout & written


@pytest.mark.parametrize(
    "phrase",
    [
        "in the last month",
        "in the last week",
        "this evening",
        "on Nov 3",
        "2026-11-03",
        "from Nov 1 to Nov 5",
        "monday",
        "since 2024",
        "after 2024",
        "in q2",
    ],
)
def test_the_calendars_new_phrases_agree_with_the_resolver(phrase: str) -> None:
    """The calendar is written independently of the resolver; where both know a phrase,
    they must give the same interval (REM.md §4)."""
    now = datetime.fromisoformat(REFERENCE_NOW)
    [found] = resolve_dates(f"notes {phrase}", now=now, tz="UTC").ranges
    assert (found.start_literal(), found.end_literal()) == literals(phrase, REFERENCE_NOW, "UTC")


def _folder(tmp_path: Path, rows: list[WrittenPair], labels: list[Label]) -> Path:
    (tmp_path / "labels").mkdir(parents=True)
    (tmp_path / "w.jsonl").write_text("".join(r.model_dump_json() + "\n" for r in rows))
    (tmp_path / "labels" / "w.jsonl").write_text(
        "".join(x.model_dump_json() + "\n" for x in labels)
    )
    return tmp_path


def test_only_agreed_pairs_reach_the_training_data(tmp_path: Path) -> None:
    from collections import Counter

    from rem_agent.train.data import written_pairs

    rows = [
        WrittenPair(
            id="w-1",
            request="kafka notes last week",
            rem='SEARCH "kafka" IN resources WHERE {{created_at}}',
            when=("last week",),
        ),
        WrittenPair(
            id="w-2", request="pdfs", rem="SELECT * FROM files WHERE mime_type = 'application/pdf'"
        ),
        # a date word inside a name: the resolver reads a time, the label a name
        WrittenPair(
            id="w-3",
            request="the monday planning sync",
            rem='SEARCH "monday planning sync" IN resources',
        ),
        WrittenPair(id="w-4", request="who is priya", rem='LOOKUP "Priya"'),
    ]
    labels = [
        Label(
            id="w-1", rem='SEARCH "kafka" IN resources WHERE {{created_at}}', when=("last week",)
        ),
        Label(id="w-2", rem="SELECT * FROM files WHERE mime_type = 'application/pdf'"),
        Label(id="w-3", rem='SEARCH "monday planning sync" IN resources'),
        Label(id="w-4", rem='FUZZY "priya"'),
    ]
    counters: Counter[str] = Counter()
    pairs = written_pairs(_folder(tmp_path, rows, labels), exclude={"pdfs"}, counters=counters)
    assert [p.request for p in pairs] == ["kafka notes last week"]
    assert pairs[0].rem.endswith("created_at < '2026-11-23'") and pairs[0].family == "written:w"
    assert (counters["written_date_reading"], counters["duplicates"]) == (1, 1)


def test_agreed_blind_rows_become_eval_cases(tmp_path: Path) -> None:
    from rem_agent.evaluation.dataset import load_cases
    from rem_agent.train.written import main

    rows = [
        WrittenPair(
            id="b-1",
            request="meetings yesterday",
            rem="SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
            when=("yesterday",),
            category="select_time",
        ),
        WrittenPair(
            id="b-2", request="kafka", rem='SEARCH "kafka" IN resources', category="search"
        ),
    ]
    labels = [
        Label(
            id="b-1",
            rem="SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
            when=("yesterday",),
        ),
        Label(id="b-2", rem='LOOKUP "kafka"'),
    ]
    out = tmp_path / "cases.jsonl"
    assert main(["cases", str(_folder(tmp_path / "blind", rows, labels)), "--out", str(out)]) == 0
    [case] = load_cases(out)
    assert (case.id, case.category, case.now) == ("b-1", "select_time", REFERENCE_NOW)
    assert case.dates[0].start == "2026-11-25" and case.dates[0].end == "2026-11-26"
    assert case.expected.endswith("resource_timestamp < '2026-11-26'")


def test_the_blind_cases_are_the_agreed_blind_rows() -> None:
    from rem_agent.evaluation.dataset import load_cases
    from rem_agent.train.written import agreed, as_case

    kept, report = agreed(ROOT / "eval" / "blind")
    assert load_cases(ROOT / "eval" / "blind.jsonl") == [as_case(p, q) for p, q in kept]
    assert len(kept) >= 300 and all(r.compared == 170 for r in report.values())
