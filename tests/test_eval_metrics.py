"""The eval metrics on hand-made predictions: each gives exactly the expected scores."""

from __future__ import annotations

import pytest

from rem_agent.evaluation.dataset import DevCase, select_cases
from rem_agent.evaluation.metrics import percentile, score_case, summarise, token_f1
from rem_agent.rem import Profile

KAFKA = (
    "SEARCH \"kafka\" IN resources WHERE created_at >= '2026-11-16' AND created_at < '2026-11-23'"
)
MEETINGS = (
    "SELECT * FROM moments WHERE moment_type = 'meeting' "
    "AND resource_timestamp >= '2026-11-25' AND resource_timestamp < '2026-11-26' "
    "ORDER BY resource_timestamp DESC LIMIT 5"
)


def score(
    predicted: str | None, *refs: str, names_time: bool = True, profile: Profile = Profile.REM
):  # type: ignore[no-untyped-def]
    return score_case(
        case_id="c",
        category="k",
        predicted=predicted,
        references=list(refs),
        profile=profile,
        names_time=names_time,
    )


def test_right_answer_scores_every_applicable_component() -> None:
    s = score(KAFKA, KAFKA)
    assert (s.valid, s.exact) == (True, True)
    assert s.components == {
        "statement": True,
        "table": True,
        "text": True,
        "time_field": True,
        "dates": True,
        "other": None,
        "order_limit": None,
    }


def test_spelling_the_printer_erases_is_still_exact() -> None:
    sloppy = (
        "search  \"kafka\" in resources where created_at>='2026-11-16' and created_at<'2026-11-23'"
    )
    assert score(sloppy, KAFKA).exact


def test_wrong_time_field_only() -> None:
    s = score(KAFKA.replace("created_at", "updated_at"), KAFKA)
    assert (s.valid, s.exact) == (True, False)
    assert s.components["time_field"] is False
    assert [k for k, v in s.components.items() if v is False] == ["time_field"]
    assert s.components["dates"] is True


def test_wrong_date_only() -> None:
    s = score(KAFKA.replace("2026-11-16", "2026-11-15"), KAFKA)
    assert [k for k, v in s.components.items() if v is False] == ["dates"]


def test_wrong_table_only() -> None:
    s = score(
        KAFKA.replace("IN resources", "IN moments").replace("created_at", "created_at"), KAFKA
    )
    assert [k for k, v in s.components.items() if v is False] == ["table"]


def test_text_f1_threshold() -> None:
    assert token_f1(["machine learning"], ["machine learning"]) == 1.0
    assert token_f1(["kafka topics"], ["kafka"]) == pytest.approx(2 / 3)
    assert token_f1(["Machine Learning models"], ["machine learning"]) == pytest.approx(0.8)
    assert score(KAFKA.replace('"kafka"', '"kafka lag"'), KAFKA).components["text"] is False
    near = score(
        'SEARCH "ML ops tools now" IN resources',
        'SEARCH "ml ops tools" IN resources',
        names_time=False,
    )
    assert near.text_f1 == pytest.approx(6 / 7)
    assert near.components["text"] is True and not near.exact


def test_order_limit_and_other_predicates() -> None:
    s = score(MEETINGS.replace("LIMIT 5", "LIMIT 3"), MEETINGS)
    assert [k for k, v in s.components.items() if v is False] == ["order_limit"]
    s = score(MEETINGS.replace("'meeting'", "'conversation'"), MEETINGS)
    assert [k for k, v in s.components.items() if v is False] == ["other"]
    assert s.components["text"] is None  # SELECT has no search text


def test_invalid_prediction_fails_every_applicable_component() -> None:
    for bad in (None, "SELECT * FROM moments WHERE bogus = 1", "not rem at all"):
        s = score(bad, MEETINGS)
        assert (s.valid, s.exact) == (False, False)
        assert s.components == {
            "statement": False,
            "table": False,
            "text": None,
            "time_field": False,
            "dates": False,
            "other": False,
            "order_limit": False,
        }


def test_accept_alternatives_count_as_exact_and_pick_the_closest_reference() -> None:
    alt = 'SEARCH "kafka" IN moments'
    assert score(alt, KAFKA, alt).exact
    s = score('LOOKUP "priya"', 'LOOKUP "Priya Patel"', 'LOOKUP "priya patel"', names_time=False)
    assert not s.exact
    assert s.reference == 'LOOKUP "Priya Patel"'  # tie: the expected query comes first
    assert s.text_f1 == pytest.approx(2 / 3)


def test_p8fs_dropped_time_is_right_when_the_query_has_none() -> None:
    s = score('SEARCH "kafka" IN resources', 'SEARCH "kafka" IN resources', profile=Profile.P8FS)
    assert s.exact and s.components["dates"] is True and s.components["time_field"] is True
    # A time filter in p8fs SEARCH is not valid in that profile.
    assert not score(KAFKA, 'SEARCH "kafka" IN resources', profile=Profile.P8FS).valid


def test_summary_numbers() -> None:
    scores = [
        score(KAFKA, KAFKA),  # right
        score(KAFKA.replace("created_at", "updated_at"), KAFKA),  # wrong time field
        score(None, KAFKA),  # invalid
        score('LOOKUP "Sam"', 'LOOKUP "Sam"', names_time=False),  # right, no time
    ]
    summary = summarise(scores)
    assert summary.n == 4
    assert summary.valid_pct == 75.0
    assert summary.exact_pct == 50.0
    comps = summary.components
    assert (comps["statement"].n, comps["statement"].correct) == (4, 3)
    assert (comps["table"].n, comps["table"].correct) == (3, 2)
    assert (comps["text"].n, comps["text"].correct) == (4, 3)
    assert (comps["time_field"].n, comps["time_field"].correct) == (3, 1)
    assert (comps["dates"].n, comps["dates"].correct) == (3, 2)
    assert comps["dates"].pct == 66.7
    assert comps["other"].n == 0 and comps["order_limit"].n == 0
    assert summary.dates_when_named_pct == 66.7


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) == 0.0


def _case(i: int, category: str) -> DevCase:
    return DevCase(
        id=f"{category}-{i}",
        nl="x",
        now="2026-11-26T10:30:00",
        expected='LOOKUP "x"',
        category=category,
    )


def test_stratified_selection_takes_every_category_in_turn() -> None:
    cases = [_case(i, "a") for i in range(5)] + [_case(i, "b") for i in range(2)] + [_case(0, "c")]
    picked = select_cases(cases, limit=4, stratified=True)
    assert [c.id for c in picked] == ["a-0", "b-0", "c-0", "a-1"]
    assert len(select_cases(cases, stratified=True)) == len(cases)
    assert [c.id for c in select_cases(cases, limit=2)] == ["a-0", "a-1"]


def test_run_case_scores_answers_and_usage_errors() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from fakes import ScriptedEngine

    from rem_agent.agent import RemAgent
    from rem_agent.evaluation.dataset import load_cases
    from rem_agent.evaluation.runner import run_case

    case = load_cases(Path(__file__).parent.parent / "eval" / "devset.jsonl")[0]
    agent = RemAgent(engine_instance=ScriptedEngine(lambda user, grammar: case.expected))
    right = run_case(agent, case, constrained=True)
    assert right.predicted == case.expected and right.score.exact and right.error is None
    wrong_zone = run_case(agent, case.model_copy(update={"tz": "Mars/Base"}), constrained=True)
    assert wrong_zone.predicted is None and not wrong_zone.score.exact
    assert (wrong_zone.error or "").startswith("usage error: unknown time zone 'Mars/Base'")
