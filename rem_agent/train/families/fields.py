"""SELECT families on the other fields and predicates (REM.md §1): text fields, null checks,
ILIKE, ranges, negation."""

from __future__ import annotations

import random

from rem_agent.train.family import Draft, family, quote
from rem_agent.train.vocabulary import (
    AGENTS,
    CHANNELS,
    LOCATIONS,
    MOMENT_KINDS,
    TAGS,
    TOPICS,
    bare_topic,
)


@family("select_field")
def moment_location(rng: random.Random) -> Draft:
    place = rng.choice(LOCATIONS)
    if rng.random() < 0.5:
        kind, words = rng.choice(list(MOMENT_KINDS.items()))
        return Draft(
            f"{words[0]} at the {place}",
            f"SELECT * FROM moments WHERE moment_type = '{kind}' AND location = '{place}'",
        )
    return Draft(f"moments in the {place}", f"SELECT * FROM moments WHERE location = '{place}'")


@family("select_field")
def session_channel_or_agent(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        channel = rng.choice(CHANNELS)
        text = rng.choice((f"{channel} sessions", f"sessions from the {channel} channel"))
        return Draft(text, f"SELECT * FROM sessions WHERE channel_type = '{channel}'")
    agent = rng.choice(AGENTS)
    text = rng.choice((f"sessions with the {agent} agent", f"chats with the {agent} agent"))
    return Draft(text, f"SELECT * FROM sessions WHERE agent = '{agent}'")


@family("select_field")
def titled(rng: random.Random) -> Draft:
    title_ = bare_topic(rng.choice(TOPICS))
    if rng.random() < 0.5:
        return Draft(f"notes titled {title_}", f"SELECT * FROM resources WHERE name = '{title_}'")
    word = title_.split()[0]
    return Draft(
        f"resources with names like {word}",
        f"SELECT * FROM resources WHERE name ILIKE '%{word}%'",
        p8fs=f"SEARCH {quote(word)} IN resources",  # p8fs has no ILIKE
    )


@family("select_field")
def completion(rng: random.Random) -> Draft:
    shape = rng.randrange(3)
    if shape == 0:
        return Draft(
            rng.choice(("unfinished sessions", "incomplete chats")),
            "SELECT * FROM sessions WHERE session_completed_at IS NULL",
        )
    if shape == 1:
        n = rng.choice((3, 5, 10))
        return Draft(
            f"last {n} completed sessions",
            "SELECT * FROM sessions WHERE session_completed_at IS NOT NULL "
            f"ORDER BY session_completed_at DESC LIMIT {n}",
        )
    return Draft(
        "moments that have ended",
        "SELECT * FROM moments WHERE resource_ends_timestamp IS NOT NULL",
    )


@family("select_field")
def rating_words(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        return Draft(
            rng.choice(("badly rated chats", "poorly rated sessions")),
            "SELECT * FROM sessions WHERE user_rating <= 2",
        )
    low, high = sorted(rng.sample(range(1, 6), 2))
    return Draft(
        f"sessions rated between {low} and {high}",
        f"SELECT * FROM sessions WHERE user_rating BETWEEN {low} AND {high}",
    )


@family("select_field", holdout=True)
def not_kind(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    if rng.random() < 0.5:
        return Draft(
            f"moments that aren't {words[0]}",
            f"SELECT * FROM moments WHERE moment_type != '{kind}'",
        )
    place = rng.choice(LOCATIONS)
    return Draft(
        f"anything that happened at the {place}",
        f"SELECT * FROM moments WHERE location = '{place}'",
    )


@family("select_field")
def kind_and_tag(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    tag = rng.choice(TAGS)
    return Draft(
        f"{words[0]} tagged {tag}",
        f"SELECT * FROM moments WHERE moment_type = '{kind}' AND topic_tags @> '[\"{tag}\"]'::jsonb",
    )
