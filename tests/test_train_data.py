"""The generated training data is right: every target is valid canonical REM in its
profile, its dates are the resolver's and the independent calendar's, the grammar each
request gets can decode it, the rows are exactly the agent's compact prompt, nothing of
the dev set leaks in, and the validation split holds only held-out phrasing families."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from fakes import ScriptedEngine, fake_adapter

from rem_agent.agent import RemAgent
from rem_agent.dates import resolve_dates
from rem_agent.errors import UsageError
from rem_agent.rem.check import check_rem
from rem_agent.rem.profile import Profile
from rem_agent.train import phrasing
from rem_agent.train.data import (
    BuildReport,
    Pair,
    build_dataset,
    chat_row,
    devset_requests,
    generate_pairs,
    normalise,
)

N = 1500
STATEMENTS = ("LOOKUP", "SEARCH", "FUZZY", "TRAVERSE", "SELECT")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    out = tmp_path_factory.mktemp("data")
    return out, build_dataset(out, n=N, seed=7, heldout_cases=120)


def _rows(out: Path, name: str) -> list[dict[str, list[dict[str, str]]]]:
    return [json.loads(line) for line in (out / name).read_text(encoding="utf-8").splitlines()]


def _profile(row: dict[str, list[dict[str, str]]]) -> Profile:
    return Profile.P8FS if "Profile: p8fs" in row["messages"][0]["content"] else Profile.REM


def _request(row: dict[str, list[dict[str, str]]]) -> str:
    return row["messages"][1]["content"].split("\n")[0].removeprefix("Request: ")


def test_rows_are_chat_rows_as_mlx_lm_reads_them(built: tuple[Path, BuildReport]) -> None:
    out, report = built
    train, valid = _rows(out, "train.jsonl"), _rows(out, "valid.jsonl")
    assert (len(train), len(valid)) == (report.train, report.valid) == (N - N // 10, N // 10)
    for row in train + valid:
        assert list(row) == ["messages"]
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        assert len(row["messages"][0]["content"]) < 120  # tens of tokens, cached per profile


def test_every_target_is_valid_canonical_rem_in_its_profile(
    built: tuple[Path, BuildReport],
) -> None:
    out, _ = built
    for row in _rows(out, "train.jsonl") + _rows(out, "valid.jsonl"):
        answer = row["messages"][2]["content"]
        checked = check_rem(answer, profile=_profile(row))
        assert checked.valid, (answer, [e.message for e in checked.errors])
        assert checked.canonical == answer


def test_dates_are_the_resolvers_and_the_calendars(built: tuple[Path, BuildReport]) -> None:
    """Held-out cases carry the calendar's dates: the resolver agrees, and the answer uses
    only those literals (a p8fs SEARCH may carry none)."""
    out, _ = built
    cases = [json.loads(line) for line in (out / "heldout.jsonl").read_text().splitlines()]
    dated = 0
    for case in cases:
        resolution = resolve_dates(
            case["nl"], now=datetime.fromisoformat(case["now"]), tz=case["tz"]
        )
        resolved = [(r.start_literal(), r.end_literal()) for r in resolution.ranges]
        assert resolved == [(d["start"], d["end"]) for d in case["dates"]], case["nl"]
        allowed = {b for pair in resolved for b in pair if b}
        used = set(re.findall(r"'(\d{4}-\d{2}-\d{2}[^']*)'", case["expected"]))
        assert used <= allowed
        dated += bool(used)
    assert dated >= len(cases) // 5


def test_no_dev_set_request_is_in_the_data(built: tuple[Path, BuildReport]) -> None:
    out, _ = built
    dev = devset_requests()
    assert len(dev) > 250  # the dev set was found, so the check means something
    generated = {
        normalise(_request(r)) for r in _rows(out, "train.jsonl") + _rows(out, "valid.jsonl")
    }
    heldout = (out / "heldout.jsonl").read_text().splitlines()
    generated |= {normalise(json.loads(line)["nl"]) for line in heldout}
    assert not generated & dev


def test_requests_are_distinct_per_profile(built: tuple[Path, BuildReport]) -> None:
    out, _ = built
    keys = [(normalise(_request(r)), _profile(r)) for r in _rows(out, "train.jsonl")]
    assert len(keys) == len(set(keys))


def test_counts_cover_every_kind_and_are_bounded(built: tuple[Path, BuildReport]) -> None:
    _, report = built
    print(report.model_dump_json(indent=2))  # shown with -s: the counts per kind and category
    total = sum(report.by_statement.values())
    for statement in STATEMENTS:
        assert 0.05 <= report.by_statement[statement] / total <= 0.45, statement
    categories = {f.category for f in phrasing.FAMILIES}
    assert set(report.by_category) == categories
    assert all(n >= 0.01 * total for n in report.by_category.values())
    assert 0.10 <= report.by_profile["p8fs"] / total <= 0.20
    assert len(report.by_zone) >= 6
    assert report.dropped_date_disagreement < 0.02 * total
    stats = json.loads((built[0] / "stats.json").read_text())
    assert stats["by_statement"] == report.by_statement


def test_validation_holds_out_whole_families() -> None:
    held = [f for f in phrasing.FAMILIES if f.holdout]
    assert {f.category for f in held} == {f.category for f in phrasing.FAMILIES}
    pairs = generate_pairs(150, seed=1, holdout=True, exclude=set(), counters=Counter())
    train = generate_pairs(300, seed=1, holdout=False, exclude=set(), counters=Counter())
    assert {p.family for p in pairs} <= {f.name for f in held}
    assert not {p.family for p in train} & {f.name for f in held}
    # Held-out phrasings are different requests, not new names in seen templates.
    assert not {normalise(p.request) for p in pairs} & {normalise(p.request) for p in train}


def test_generation_is_seeded(tmp_path: Path) -> None:
    build_dataset(tmp_path / "a", n=60, seed=3, heldout_cases=5)
    build_dataset(tmp_path / "b", n=60, seed=3, heldout_cases=5)
    build_dataset(tmp_path / "c", n=60, seed=4, heldout_cases=5)
    a, b, c = ((tmp_path / d / "train.jsonl").read_text() for d in "abc")
    assert a == b != c


def test_too_small_a_build_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="at least 10"):
        build_dataset(tmp_path, n=3)


def _pairs(n: int = 40) -> list[Pair]:
    return generate_pairs(n, seed=5, holdout=False, exclude=set(), counters=Counter())


def test_rows_are_exactly_the_prompt_the_agent_builds_with_an_adapter() -> None:
    """Training and inference see the same tokens: the agent with an adapter sends the
    engine the same system and user messages that the training row holds."""
    engine = ScriptedEngine(answer=lambda _m, _g: 'LOOKUP "x"', adapter=fake_adapter())
    agent = RemAgent(engine_instance=engine, cache_size=0)
    from rem_agent.translate.prompts import PromptLibrary

    prompts = PromptLibrary()
    for pair in _pairs():
        agent.translate(
            pair.request, now=datetime.fromisoformat(pair.now), tz=pair.tz, profile=pair.profile
        )
        sent = [m.model_dump() for m in engine.calls[-1][0]]
        assert sent == chat_row(pair, prompts)["messages"][:-1], pair.request


def test_targets_are_decodable_under_their_requests_grammar(ll_tokenizer, qwen_tokenizer) -> None:  # type: ignore[no-untyped-def]
    """The adapter must not learn answers the grammar would then forbid."""
    from specs import spec_of
    from test_rem_llguidance import accepts

    for pair in _pairs(120):
        spec = spec_of(pair.request, pair.profile, now=datetime.fromisoformat(pair.now), tz=pair.tz)
        assert accepts(ll_tokenizer, qwen_tokenizer, spec, pair.rem), (pair.request, pair.rem)


def test_the_cli_builds_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rem_agent.cli import main

    assert main(["data", "build", "--n", "50", "--out", str(tmp_path), "--heldout-cases", "5"]) == 0
    printed = capsys.readouterr().out
    assert "wrote 45 training rows, 5 validation rows" in printed
    assert "statements: " in printed and "dropped: " in printed
    assert main(["data", "build", "--n", "2", "--out", str(tmp_path)]) == 2


def test_the_committed_heldout_set_is_what_data_build_writes(tmp_path: Path) -> None:
    """eval/heldout.jsonl (the held-out families' eval cases in docs/ADAPTER.md) comes from
    `rem-agent data build --n 6000 --seed 1`, the build the shipped adapter trained on."""
    committed = Path(__file__).parents[1] / "eval" / "heldout.jsonl"
    build_dataset(tmp_path, n=6000, seed=1)
    assert (tmp_path / "heldout.jsonl").read_text() == committed.read_text()
