"""How much to trust an answer: a probability computed from the model's own free choices.

The decode loop records, for every step where the grammar allowed more than one token,
the log-probability of the token the model chose (`DecodeStats.choices`,
`choice_logprob`, `min_choice_logprob`); forced tokens carry no information and are left
out. A `Calibration` maps the mean and the least of those to the probability that the
answer is right, fitted by logistic regression on labelled validation data
(`bench/bench_confidence.py`) and shipped beside the adapter (`calibration.json`). Without
one, the confidence is the geometric mean probability of the choices: a score, not yet a
probability.

A search bar acts on it: below a threshold (`min_confidence`) the answer becomes the safe
fallback, a plain `SEARCH` of the request's words (`fallback_query`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from rem_agent.engines.base import DecodeStats
from rem_agent.errors import UsageError
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.check import check_rem
from rem_agent.rem.profile import Profile
from rem_agent.rem.render import quote_double
from rem_agent.text import STOPWORDS, tokens
from rem_agent.translate.spec import FILLER

CALIBRATION_FILE = "calibration.json"
_EDGES = ".,'`’*_~#@-"


def features(stats: DecodeStats) -> tuple[float, float]:
    """(mean, least) log-probability of the model's free choices; (0, 0) with none."""
    if not stats.choices:
        return 0.0, 0.0
    return stats.choice_logprob / stats.choices, stats.min_choice_logprob


class Calibration(BaseModel):
    """p(right) = sigmoid(w_mean * mean + w_min * least + bias), fitted on `fitted_on`."""

    model_config = ConfigDict(frozen=True)

    w_mean: float
    w_min: float
    bias: float
    fitted_on: str = ""
    n: int = 0

    def confidence(self, stats: DecodeStats) -> float:
        mean, least = features(stats)
        z = self.w_mean * mean + self.w_min * least + self.bias
        return round(1 / (1 + math.exp(-z)), 4)


def confidence(stats: DecodeStats, calibration: Calibration | None) -> float:
    """The answer's confidence in [0, 1] (see the module docstring)."""
    if calibration is not None:
        return calibration.confidence(stats)
    return round(math.exp(features(stats)[0]), 4)


def fit(rows: Sequence[tuple[DecodeStats, bool]], *, fitted_on: str) -> Calibration:
    """Logistic regression of right/wrong on the two features (Newton's method, a little
    ridge so that a set with no mistakes still gives finite weights)."""
    if len(rows) < 10:
        raise UsageError(f"calibration needs at least 10 labelled answers, not {len(rows)}")
    x = np.array([[*features(s), 1.0] for s, _ in rows], dtype=np.float64)
    y = np.array([1.0 if right else 0.0 for _, right in rows])
    w = np.zeros(3)
    ridge = np.diag([1e-2, 1e-2, 0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + ridge @ w
        hessian = (x.T * (p * (1 - p))) @ x + ridge + 1e-9 * np.eye(3)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Calibration(
        w_mean=float(w[0]), w_min=float(w[1]), bias=float(w[2]), fitted_on=fitted_on, n=len(rows)
    )


def check_confidence(value: float) -> float:
    """A `min_confidence`, or `UsageError` when it is no probability."""
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"min_confidence must be between 0 and 1, not {value}")
    return value


def load_calibration(folder: Path | None) -> Calibration | None:
    """The calibration shipped in an adapter's folder, if any."""
    path = folder / CALIBRATION_FILE if folder is not None else None
    if path is None or not path.is_file():
        return None
    try:
        return Calibration.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise UsageError(f"cannot read the calibration {path}: {exc}") from None


def calibration_error(scored: Sequence[tuple[float, bool]], bins: int = 10) -> float:
    """Expected calibration error: the mean |confidence - accuracy| over equal-width bins,
    weighted by how many answers fall in each."""
    if not scored:
        return 0.0
    total = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(c, r) for c, r in scored if low <= c < high or (b == bins - 1 and c == 1.0)]
        if inside:
            mean_c = sum(c for c, _ in inside) / len(inside)
            accuracy = sum(r for _, r in inside) / len(inside)
            total += len(inside) * abs(mean_c - accuracy)
    return total / len(scored)


def fallback_query(searchable: str, profile: Profile, catalog: Catalog) -> str | None:
    """`SEARCH "<the request's words>" IN <default table>`: valid, read-only, and honest
    about what is known; None when the request has no words to search for."""
    words = [
        t.strip(_EDGES)
        for t in tokens(searchable)
        if t.strip(_EDGES) and t.strip(_EDGES).lower() not in STOPWORDS | FILLER
    ]
    if not words:
        return None
    query = f"SEARCH {quote_double(' '.join(words)[:100].strip())} IN {catalog.default_table}"
    checked = check_rem(query, profile=profile, catalog=catalog)
    return checked.canonical if checked.valid else None
