"""FUZZY families: misspelt names and words, matched by similarity."""

from __future__ import annotations

import random

from rem_agent.train.family import Draft, family, quote
from rem_agent.train.vocabulary import TYPO_WORDS, typo


@family("fuzzy", weight=1.3)
def something_like(rng: random.Random) -> Draft:
    word = typo(rng.choice(TYPO_WORDS), rng)
    shape = rng.choice(
        (
            "something like {w}",
            "anything named {w}",
            "fuzzy match {w}",
            "names similar to '{w}'",
            "spelled something like {w}",
            "i think it was called {w}",
        )
    )
    return Draft(
        shape.format(w=word), f"FUZZY {quote(word)}", p8fs=f"SEARCH {quote(word)} IN resources"
    )


@family("fuzzy")
def person_like(rng: random.Random) -> Draft:
    word = typo(rng.choice([*TYPO_WORDS[15:], "jonathan", "mcdonald"]), rng)
    return Draft(
        f"a person called {word} or similar",
        f"FUZZY {quote(word)}",
        p8fs=f"SEARCH {quote(word)} IN resources",
    )


@family("fuzzy")
def fuzzy_in_table(rng: random.Random) -> Draft:
    word = typo(rng.choice(TYPO_WORDS), rng)
    if rng.random() < 0.5:
        return Draft(
            f"files named like {word}",
            f"FUZZY {quote(word)} IN files",
            p8fs=f"SEARCH {quote(word)} IN files",
        )
    n = rng.choice((3, 5, 10))
    return Draft(
        f"close matches to {word}, top {n}",
        f"FUZZY {quote(word)} LIMIT {n}",
        p8fs=f"SEARCH {quote(word)} IN resources",
    )


@family("fuzzy", holdout=True)
def not_sure_spelling(rng: random.Random) -> Draft:
    word = typo(rng.choice(TYPO_WORDS), rng)
    shape = rng.choice(
        ("not sure how to spell it, {w}", "{w} or however it's spelled", "{w}?? maybe misspelled")
    )
    return Draft(
        shape.format(w=word), f"FUZZY {quote(word)}", p8fs=f"SEARCH {quote(word)} IN resources"
    )
