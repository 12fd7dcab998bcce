"""Misspelt date words ("yesterdya", "lst week", "febuary") → the date word meant.

A word is read as a date word only when exactly one date word is close to it and the
word is not itself a word people search for (vocabulary.TOPIC_WORDS). The caller records
every reading (`read_as`), so nothing is guessed silently.
"""

from __future__ import annotations

import functools

from rem_agent.dates.vocabulary import SPELLING_TARGETS, TOPIC_WORDS

_MIN_LENGTH = 3
_MAX_LENGTH = 12
# Short targets allow one insertion, deletion or swap; a substitution in a short word
# mostly makes another English word ("gear", "lost", "text"). Long ones allow two edits.
_LONG_TARGET = 7


def _index() -> dict[str, tuple[str, ...]]:
    """Targets by first letter; a word whose first two letters are swapped finds them too."""
    index: dict[str, list[str]] = {}
    for target in sorted(SPELLING_TARGETS):
        index.setdefault(target[0], []).append(target)
    return {letter: tuple(targets) for letter, targets in index.items()}


_BY_FIRST_LETTER = _index()


def limit(target: str) -> int:
    """The most edits a misspelling of `target` may have."""
    return 2 if len(target) >= _LONG_TARGET else 1


def distance(word: str, target: str, *, cap: int) -> int:
    """Optimal-string-alignment distance (swaps of neighbours cost 1), or cap + 1 past `cap`.

    Substitutions cost 1 only for long targets; for short ones they cost 2.
    """
    if abs(len(word) - len(target)) > cap:
        return cap + 1
    substitution = 1 if len(target) >= _LONG_TARGET else 2
    previous2: list[int] = []
    previous = list(range(len(target) + 1))
    for i in range(1, len(word) + 1):
        current = [i] + [0] * len(target)
        for j in range(1, len(target) + 1):
            same = word[i - 1] == target[j - 1]
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (0 if same else substitution),
            )
            if i > 1 and j > 1 and word[i - 1] == target[j - 2] and word[i - 2] == target[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > cap:
            return cap + 1
        previous2, previous = previous, current
    return min(previous[-1], cap + 1)


def candidates(word: str) -> list[tuple[int, str]]:
    """(edits, date word) for every date word `word` could be a misspelling of (same first
    letter, or the first two letters swapped), nearest first."""
    pool = _BY_FIRST_LETTER.get(word[0], ())
    if len(word) > 1 and word[1] != word[0]:
        pool += tuple(t for t in _BY_FIRST_LETTER.get(word[1], ()) if t[1:2] == word[0])
    found = []
    for target in pool:
        cap = limit(target)
        if (d := distance(word, target, cap=cap)) <= cap:
            found.append((d, target))
    return sorted(found)


@functools.lru_cache(maxsize=4096)
def suggest(word: str) -> str | None:
    """The one date word a lower-case `word` misspells, or None (a word, or ambiguous).

    The nearest date words decide: "tusday" is one edit from Tuesday and two from
    Thursday, so it is Tuesday; a tie at the nearest distance is never broken.
    """
    if not _MIN_LENGTH <= len(word) <= _MAX_LENGTH or not word.isalpha():
        return None
    if word in SPELLING_TARGETS or word in TOPIC_WORDS:
        return None
    found = candidates(word)
    nearest = [target for edits, target in found if edits == found[0][0]] if found else []
    return nearest[0] if len(nearest) == 1 else None
