"""SEARCH families: a topic alone, a topic with a time, and the named time fields
(updated, uploaded, completed) that answer with SEARCH or SELECT."""

from __future__ import annotations

import random

from rem_agent.train.family import Draft, family, quote
from rem_agent.train.vocabulary import (
    MIME,
    MOMENT_KINDS,
    TIME_PHRASES,
    TOPICS,
    bare_topic,
    time_phrase,
)

# SEARCH


_NOUNS = ("notes", "docs", "documents", "anything", "stuff", "articles", "research", "ideas")


@family("search", weight=2.0)
def topic_search(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    shape = rng.choice(
        (
            "{n} about {t}",
            "{n} on {t}",
            "find {n} on {t}",
            "anything on {t}",
            "what do we know about {t}",
            "{t}",
            "{t} {n}",
        )
    )
    text = shape.format(n=rng.choice(_NOUNS), t=topic)
    return Draft(text, f"SEARCH {quote(bare_topic(topic))} IN resources")


@family("search", holdout=True)
def topic_question(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    shape = rng.choice(("where did i put the {t}", "i need the doc about {t}", "anything re {t}?"))
    return Draft(
        shape.format(t=topic.removeprefix("the ")),
        f"SEARCH {quote(bare_topic(topic))} IN resources",
    )


@family("search")
def top_n_search(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    n = rng.choice((3, 5, 10, 20))
    text = rng.choice((f"top {n} docs on {topic}", f"{n} best notes about {topic}"))
    return Draft(
        text,
        f"SEARCH {quote(bare_topic(topic))} IN resources LIMIT {n}",
        p8fs=f"SEARCH {quote(bare_topic(topic))} IN resources",
    )


@family("search")
def moment_kind_topic(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    topic = rng.choice(TOPICS)
    text = f"{words[0]} about {topic}"
    return Draft(
        text,
        f"SEARCH {quote(bare_topic(topic))} IN moments WHERE moment_type = '{kind}'",
        p8fs=f"SEARCH {quote(bare_topic(topic))} IN moments",
    )


@family("search", weight=1.3)
def chat_topic(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    text = rng.choice(
        (f"chats about {topic}", f"sessions on {topic}", f"chat sessions about {topic}")
    )
    return Draft(text, f"SEARCH {quote(bare_topic(topic))} IN sessions")


# SEARCH with time


@family("search_time", weight=2.0)
def topic_when(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    when = time_phrase(rng)
    lead = rng.choice(("notes about", "docs on", "anything about", "research on", "ideas about"))
    glue = (
        rng.choice(("", "from ")) if not when.startswith(("since", "before", "in ", "on ")) else ""
    )
    text = f"{lead} {topic} {glue}{when}"
    return Draft(
        text,
        f"SEARCH {quote(bare_topic(topic))} IN resources WHERE {{{{created_at}}}}",
        (when,),
        p8fs=f"SEARCH {quote(bare_topic(topic))} IN resources",
    )


@family("search_time")
def kind_topic_when(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    topic = rng.choice(TOPICS)
    when = time_phrase(rng)
    text = f"{words[0]} about {topic} {when}"
    return Draft(
        text,
        f"SEARCH {quote(bare_topic(topic))} IN moments WHERE moment_type = '{kind}' AND {{{{resource_timestamp}}}}",
        (when,),
        p8fs=f"SEARCH {quote(bare_topic(topic))} IN moments",
    )


@family("search_time", holdout=True)
def when_first_topic(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    when = rng.choice(TIME_PHRASES)
    text = rng.choice((f"{when}: notes on {topic}", f"{when} what did i write about {topic}"))
    return Draft(
        text,
        f"SEARCH {quote(bare_topic(topic))} IN resources WHERE {{{{created_at}}}}",
        (when,),
        p8fs=f"SEARCH {quote(bare_topic(topic))} IN resources",
    )


# Named time fields


@family("named_time", weight=1.2)
def edited_when(rng: random.Random) -> Draft:
    when = time_phrase(rng)
    verb = rng.choice(("updated", "modified", "edited", "changed"))
    if rng.random() < 0.5:
        topic = rng.choice(TOPICS)
        return Draft(
            f"{bare_topic(topic)} docs {verb} {when}",
            f"SEARCH {quote(bare_topic(topic))} IN resources WHERE {{{{updated_at}}}}",
            (when,),
            p8fs=f"SEARCH {quote(bare_topic(topic))} IN resources",
        )
    noun = rng.choice(("notes", "docs", "resources"))
    return Draft(f"{noun} {verb} {when}", "SELECT * FROM resources WHERE {{updated_at}}", (when,))


@family("named_time")
def uploaded_when(rng: random.Random) -> Draft:
    when = time_phrase(rng)
    if rng.random() < 0.4:
        mime, words = rng.choice(list(MIME.items()))
        return Draft(
            f"{rng.choice(words)} files uploaded {when}",
            f"SELECT * FROM files WHERE mime_type = '{mime}' AND {{{{upload_timestamp}}}}",
            (when,),
        )
    return Draft(
        f"files uploaded {when}", "SELECT * FROM files WHERE {{upload_timestamp}}", (when,)
    )


@family("named_time", holdout=True)
def completed_when(rng: random.Random) -> Draft:
    when = time_phrase(rng)
    noun = rng.choice(("sessions", "chats"))
    verb = rng.choice(("completed", "finished", "closed"))
    return Draft(
        f"{noun} {verb} {when}", "SELECT * FROM sessions WHERE {{session_completed_at}}", (when,)
    )
