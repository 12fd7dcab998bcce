"""An answer's confidence: from the model's free choices, calibrated, and acted on with a
plain-search fallback below a threshold."""

from __future__ import annotations

import math
from datetime import datetime

import pytest
from fakes import FakeEngine

from rem_agent.agent import RemAgent
from rem_agent.engines.base import ChatMessage, DecodeParams, DecodeStats, Generation
from rem_agent.errors import UsageError
from rem_agent.rem import Profile, check_rem, default_catalog
from rem_agent.translate.confidence import (
    Calibration,
    calibration_error,
    confidence,
    fallback_query,
    features,
    fit,
)

NOW = datetime(2026, 11, 26, 10, 30)


def stats(choices: int, mean: float, least: float) -> DecodeStats:
    return DecodeStats(choices=choices, choice_logprob=choices * mean, min_choice_logprob=least)


class Unsure(FakeEngine):
    """Answers one query, as sure as `logprob` says for each of its free choices."""

    def __init__(self, answer: str, logprob: float) -> None:
        super().__init__()
        self.answer, self.logprob = answer, logprob

    def answer_for(self, messages: list[ChatMessage], params: DecodeParams) -> Generation:
        return Generation(
            text=self.answer, stats=stats(4, self.logprob, self.logprob), stop_reason="stop"
        )


def test_features_are_the_mean_and_least_log_probability_of_the_choices() -> None:
    assert features(stats(4, -0.5, -1.5)) == (-0.5, -1.5)
    assert features(DecodeStats()) == (0.0, 0.0)  # every token forced: nothing to doubt
    assert confidence(stats(4, -0.5, -1.5), None) == round(math.exp(-0.5), 4)


def test_a_fitted_calibration_ranks_surer_answers_higher() -> None:
    rows = [(stats(5, -0.05 * i, -0.2 * i), i < 10) for i in range(20)]
    calibration = fit(rows, fitted_on="synthetic")
    scores = [calibration.confidence(s) for s, _ in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.9 > 0.1 > scores[-1]
    assert calibration.n == 20
    with pytest.raises(UsageError):
        fit(rows[:5], fitted_on="too few")


def test_calibration_error_is_zero_when_confidence_is_accuracy() -> None:
    perfect = [(0.75, True)] * 3 + [(0.75, False)] + [(0.25, False)] * 3 + [(0.25, True)]
    assert calibration_error(perfect) == pytest.approx(0.0)
    assert calibration_error([(0.9, False)] * 4) == pytest.approx(0.9)


@pytest.mark.parametrize("profile", list(Profile))
def test_the_fallback_is_a_valid_read_only_search_of_the_words(profile: Profile) -> None:
    query = fallback_query("find the kafka retention notes pls", profile, default_catalog())
    assert query == 'SEARCH "kafka retention notes" IN resources'
    assert check_rem(query, profile=profile).valid
    assert fallback_query("show me all the", profile, default_catalog()) is None


def test_below_the_threshold_the_answer_is_the_fallback() -> None:
    low = "SELECT * FROM moments WHERE moment_type = 'meeting'"
    agent = RemAgent(engine_instance=Unsure(low, logprob=-1.0), cache_size=0)
    sure = agent.translate("kafka meetings", now=NOW)
    assert sure.query == low and sure.confidence == round(math.exp(-1.0), 4)
    unsure = agent.translate("kafka meetings", now=NOW, min_confidence=0.5)
    assert unsure.query == 'SEARCH "kafka meetings" IN resources' and unsure.replaced == low
    assert any("low confidence (0.37 < 0.5)" in w for w in unsure.warnings)
    with pytest.raises(UsageError):
        agent.translate("kafka meetings", now=NOW, min_confidence=1.5)


def test_a_lower_threshold_never_removes_an_answer() -> None:
    answers = {}
    for logprob in (-0.01, -0.3, -1.0, -3.0):
        agent = RemAgent(engine_instance=Unsure('LOOKUP "Kafka"', logprob), cache_size=0)
        answers[logprob] = [
            agent.translate("who is kafka", now=NOW, min_confidence=t).replaced is None
            for t in (0.0, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0)
        ]
    for kept in answers.values():  # kept at a threshold: kept at every lower one
        assert kept == sorted(kept, reverse=True)
    assert answers[-0.01][:6] == [True] * 6 and answers[-3.0][1:] == [False] * 6


def test_rem_typed_as_such_is_certain() -> None:
    agent = RemAgent(engine_instance=Unsure('LOOKUP "x"', -5.0))
    result = agent.translate('LOOKUP "Sally"', min_confidence=0.99)
    assert result.confidence == 1.0 and result.replaced is None


def test_a_shipped_calibration_is_read_from_the_adapter_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rem_agent.translate.confidence import load_calibration

    calibration = Calibration(w_mean=2.0, w_min=1.0, bias=0.5, fitted_on="x", n=50)
    (tmp_path / "calibration.json").write_text(calibration.model_dump_json())
    assert load_calibration(tmp_path) == calibration
    assert load_calibration(tmp_path / "nothing") is None
