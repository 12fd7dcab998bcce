"""Lexical evidence that bounds the affinity judge's score.

The bundled 0.5B model alone is not a judge: it scored a budget memo against a lentil
soup recipe 0.9. What two texts share is a measurable fact, so the judge is calibrated
by it: the shared content words put a pair in a `Band` of allowed scores, and the model
only chooses within it (and picks the relationship and writes the reason). Texts that
share no subject word cannot score above 0.3; near-copies cannot score below 0.8.

Words that say what kind of document a text is ("meeting notes", "Q4 plan", "checklist")
are not evidence of a shared subject and are left out, as are numbers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rem_agent.text import STOPWORDS, content_words

BandName = Literal["unrelated", "weak", "related", "near-duplicate"]

# The kind, time or status of a document, not its subject: two texts that share only
# these share no subject. Stems, as `content_words` produces them.
FORMAT_WORDS = frozenset(
    (
        "note notes meeting minute agenda plan planning review checklist list summary update "
        "status draft todo doc document guide report log entry journal diary idea thought "
        "question answer version part next new old first last week day month year quarter "
        "today tomorrow yesterday morning afternoon evening monday tuesday wednesday thursday "
        "friday saturday sunday january february march april may june july august september "
        "october november december q1 q2 q3 q4 team project item thing step also just will "
        "can should need want like one two three get got make made use using used be been "
        "has have had not no yes but so if then than there their they them he she his her "
        "you your after before during into out up down over under more most less very"
    ).split()
)
_IGNORED = STOPWORDS | frozenset(w for word in FORMAT_WORDS for w in content_words(word))


class Band(BaseModel):
    """The scores (and relationships) the evidence allows for one pair."""

    model_config = ConfigDict(frozen=True)

    name: BandName
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)
    # The relationships it allows (None: any). A near-copy is the same content: SEE_ALSO,
    # as the prompt defines it, never NONE nor a later part.
    relationships: tuple[str, ...] | None = None

    def scores(self, all_scores: tuple[float, ...]) -> list[float]:
        return [s for s in all_scores if self.low - 1e-9 <= s <= self.high + 1e-9]

    def clamp(self, score: float) -> float:
        return min(max(score, self.low), self.high)


BANDS: dict[BandName, Band] = {
    "unrelated": Band(name="unrelated", low=0.0, high=0.3),
    "weak": Band(name="weak", low=0.0, high=0.5),
    "related": Band(name="related", low=0.2, high=0.9),
    "near-duplicate": Band(name="near-duplicate", low=0.8, high=1.0, relationships=("SEE_ALSO",)),
}
# Thresholds on the shared subject words (see `evidence`), chosen on the tuning pairs
# (tests/data/affinity_labelled.jsonl and the prompt's examples), not on the held-out set.
NEAR_DUPLICATE_JACCARD = 0.55
WEAK_JACCARD = 0.1


class Evidence(BaseModel):
    """What two texts share, and the band of scores that follows from it."""

    model_config = ConfigDict(frozen=True)

    shared: tuple[str, ...]  # subject words (stems) in both texts, sorted
    jaccard: float = Field(ge=0, le=1)  # shared / all subject words of the two
    band: Band


def subject_words(text: str) -> frozenset[str]:
    """The stems of `text` that can name a subject: no stopwords, format words or numbers."""
    return frozenset(
        w for w in content_words(text, stopwords=_IGNORED) if w != "#" and w not in _IGNORED
    )


def evidence(a: str, b: str) -> Evidence:
    """The lexical evidence for a pair of texts."""
    words_a, words_b = subject_words(a), subject_words(b)
    shared = words_a & words_b
    union = words_a | words_b
    jaccard = len(shared) / len(union) if union else 0.0
    if not shared:
        name: BandName = "unrelated"
    elif jaccard >= NEAR_DUPLICATE_JACCARD:
        name = "near-duplicate"
    elif len(shared) == 1 or jaccard < WEAK_JACCARD:
        name = "weak"
    else:
        name = "related"
    return Evidence(shared=tuple(sorted(shared)), jaccard=round(jaccard, 3), band=BANDS[name])
