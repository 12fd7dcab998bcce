"""SELECT families: by moment kind or file type, by tag or emotion, by category, size or
rating, ORDER BY / LIMIT, and by time only."""

from __future__ import annotations

import random

from rem_agent.train.family import Draft, family
from rem_agent.train.vocabulary import (
    CATEGORIES,
    EMOTIONS,
    MIME,
    MOMENT_KINDS,
    TAGS,
    TIME_PHRASES,
    time_phrase,
)

# The tables the ORDER BY and time-only families read: their nouns and their time field.
_TABLE_NOUNS = {
    "resources": ("notes", "docs", "resources"),
    "files": ("uploads", "files"),
    "moments": ("moments",),
    "sessions": ("sessions", "chats"),
}
_TIME_FIELD = {
    "resources": "created_at",
    "files": "upload_timestamp",
    "moments": "resource_timestamp",
    "sessions": "created_at",
}


# SELECT by kind


@family("select_type", weight=1.2)
def moment_kind(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    lead = rng.choice(("", "all my ", "show ", "my ", "list "))
    return Draft(f"{lead}{words[0]}", f"SELECT * FROM moments WHERE moment_type = '{kind}'")


@family("select_type")
def moment_kinds_or(rng: random.Random) -> Draft:
    (k1, w1), (k2, w2) = rng.sample(list(MOMENT_KINDS.items()), 2)
    return Draft(
        f"{w1[0]} or {w2[0]}", f"SELECT * FROM moments WHERE moment_type IN ('{k1}', '{k2}')"
    )


@family("select_type")
def mime_files(rng: random.Random) -> Draft:
    mime, words = rng.choice(list(MIME.items()))
    text = rng.choice((f"{rng.choice(words)} files", f"all {rng.choice(words)} i uploaded"))
    return Draft(text, f"SELECT * FROM files WHERE mime_type = '{mime}'")


@family("select_type", holdout=True)
def kind_when(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    when = time_phrase(rng)
    text = rng.choice((f"{words[0]} {when}", f"any {words[0]} {when}?", f"{words[0]} i had {when}"))
    return Draft(
        text,
        f"SELECT * FROM moments WHERE moment_type = '{kind}' AND {{{{resource_timestamp}}}}",
        (when,),
    )


@family("select_type")
def kind_when_plain(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    when = time_phrase(rng)
    return Draft(
        f"{words[0]} {when}",
        f"SELECT * FROM moments WHERE moment_type = '{kind}' AND {{{{resource_timestamp}}}}",
        (when,),
    )


# SELECT by tag


@family("select_tag")
def tagged(rng: random.Random) -> Draft:
    tag = rng.choice(TAGS)
    text = rng.choice(
        (f"moments tagged {tag}", f"anything tagged #{tag}", f"moments with topic {tag}")
    )
    return Draft(text, f"SELECT * FROM moments WHERE topic_tags @> '[\"{tag}\"]'::jsonb")


@family("select_tag")
def tagged_when(rng: random.Random) -> Draft:
    tag = rng.choice(TAGS)
    when = time_phrase(rng)
    text = rng.choice((f"stuff tagged {tag} {when}", f"{tag} tagged moments {when}"))
    return Draft(
        text,
        f"SELECT * FROM moments WHERE topic_tags @> '[\"{tag}\"]'::jsonb AND {{{{resource_timestamp}}}}",
        (when,),
    )


@family("select_tag")
def two_tags(rng: random.Random) -> Draft:
    a, b = rng.sample(TAGS, 2)
    return Draft(
        f"moments tagged {a} and {b}",
        f'SELECT * FROM moments WHERE topic_tags @> \'["{a}", "{b}"]\'::jsonb',
    )


@family("select_tag")
def felt(rng: random.Random) -> Draft:
    emotion = rng.choice(EMOTIONS)
    if rng.random() < 0.5:
        return Draft(
            f"moments where i felt {emotion}",
            f"SELECT * FROM moments WHERE emotion_tags @> '[\"{emotion}\"]'::jsonb",
        )
    when = time_phrase(rng)
    return Draft(
        f"{emotion} moments {when}",
        f"SELECT * FROM moments WHERE emotion_tags @> '[\"{emotion}\"]'::jsonb AND {{{{resource_timestamp}}}}",
        (when,),
    )


@family("select_tag", holdout=True)
def when_i_was(rng: random.Random) -> Draft:
    emotion = rng.choice(EMOTIONS)
    return Draft(
        f"times i was {emotion}",
        f"SELECT * FROM moments WHERE emotion_tags @> '[\"{emotion}\"]'::jsonb",
    )


# SELECT by category, size, rating


@family("select_category", weight=1.8)
def category(rng: random.Random) -> Draft:
    value, words = rng.choice(list(CATEGORIES.items()))
    lead = rng.choice(("", "my ", "all ", "show "))
    if rng.random() < 0.45:
        when = time_phrase(rng)
        return Draft(
            f"{lead}{words[0]} {when}",
            f"SELECT * FROM resources WHERE category = '{value}' AND {{{{created_at}}}}",
            (when,),
        )
    return Draft(f"{lead}{words[0]}", f"SELECT * FROM resources WHERE category = '{value}'")


@family("select_category", weight=1.5)
def file_size(rng: random.Random) -> Draft:
    n = rng.choice((1, 5, 10, 50, 100, 500))
    unit, factor = rng.choice((("mb", 1_000_000), ("kb", 1_000)))
    if rng.random() < 0.5:
        text = rng.choice((f"files bigger than {n} {unit}", f"files over {n}{unit}"))
        return Draft(text, f"SELECT * FROM files WHERE file_size > {n * factor}")
    return Draft(f"files under {n}{unit}", f"SELECT * FROM files WHERE file_size < {n * factor}")


@family("select_category")
def rating(rng: random.Random) -> Draft:
    n = rng.randint(2, 5)
    if rng.random() < 0.5:
        return Draft(
            f"sessions rated {n} or better", f"SELECT * FROM sessions WHERE user_rating >= {n}"
        )
    return Draft(f"sessions rated below {n}", f"SELECT * FROM sessions WHERE user_rating < {n}")


@family("select_category", holdout=True)
def category_kind_of(rng: random.Random) -> Draft:
    value, words = rng.choice(list(CATEGORIES.items()))
    return Draft(
        f"everything in the {words[0]} category",
        f"SELECT * FROM resources WHERE category = '{value}'",
    )


# SELECT ... ORDER BY / LIMIT


@family("select_order", weight=1.2)
def latest_n(rng: random.Random) -> Draft:
    table = rng.choice(list(_TABLE_NOUNS))
    noun = rng.choice(_TABLE_NOUNS[table])
    n = rng.choice((1, 3, 5, 10, 20))
    shape = rng.choice(
        ("my {n} latest {x}", "last {n} {x}", "newest {n} {x}", "{n} most recent {x}")
    )
    order = f"ORDER BY {_TIME_FIELD[table]} DESC LIMIT {n}"
    return Draft(shape.format(n=n, x=noun), f"SELECT * FROM {table} {order}")


@family("select_order")
def latest_kind(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    n = rng.choice((3, 5, 10))
    return Draft(
        f"newest {n} {words[0]}",
        f"SELECT * FROM moments WHERE moment_type = '{kind}' ORDER BY resource_timestamp DESC LIMIT {n}",
    )


@family("select_order")
def oldest_or_biggest(rng: random.Random) -> Draft:
    shape = rng.randrange(3)
    if shape == 0:
        table = rng.choice(list(_TABLE_NOUNS))
        noun = rng.choice(_TABLE_NOUNS[table])
        return Draft(f"oldest {noun}", f"SELECT * FROM {table} ORDER BY {_TIME_FIELD[table]} ASC")
    if shape == 1:
        n = rng.choice((3, 5, 10))
        return Draft(f"biggest {n} files", f"SELECT * FROM files ORDER BY file_size DESC LIMIT {n}")
    return Draft("top rated sessions", "SELECT * FROM sessions ORDER BY user_rating DESC")


@family("select_order", holdout=True)
def most_recent_one(rng: random.Random) -> Draft:
    table = rng.choice(list(_TABLE_NOUNS))
    noun = rng.choice(_TABLE_NOUNS[table]).removesuffix("s")
    return Draft(
        f"the most recent {noun}",
        f"SELECT * FROM {table} ORDER BY {_TIME_FIELD[table]} DESC LIMIT 1",
    )


@family("select_order")
def first_n_ever(rng: random.Random) -> Draft:
    table = rng.choice(list(_TABLE_NOUNS))
    noun = rng.choice(_TABLE_NOUNS[table])
    n = rng.choice((3, 5, 10))
    return Draft(
        rng.choice((f"first {n} {noun} ever", f"my {n} oldest {noun}")),
        f"SELECT * FROM {table} ORDER BY {_TIME_FIELD[table]} ASC LIMIT {n}",
    )


# SELECT by time only


@family("select_time", weight=1.5)
def table_when(rng: random.Random) -> Draft:
    table = rng.choice(list(_TABLE_NOUNS))
    noun = rng.choice(_TABLE_NOUNS[table])
    when = time_phrase(rng)
    glue = (
        rng.choice(("from ", "")) if not when.startswith(("since", "before", "in ", "on ")) else ""
    )
    return Draft(
        f"{noun} {glue}{when}", f"SELECT * FROM {table} WHERE {{{{{_TIME_FIELD[table]}}}}}", (when,)
    )


@family("select_time")
def what_did_i_do(rng: random.Random) -> Draft:
    when = time_phrase(rng)
    text = rng.choice((f"what did i do {when}", f"what happened {when}"))
    return Draft(text, "SELECT * FROM moments WHERE {{resource_timestamp}}", (when,))


@family("select_time", holdout=True)
def everything_when(rng: random.Random) -> Draft:
    when = rng.choice(TIME_PHRASES)
    text = rng.choice((f"everything i wrote {when}", f"show me {when}'s notes"))
    return Draft(text, "SELECT * FROM resources WHERE {{created_at}}", (when,))


@family("select_time")
def latest_when(rng: random.Random) -> Draft:
    when = rng.choice(TIME_PHRASES)
    n = rng.choice((3, 5))
    return Draft(
        f"my latest {n} uploads {when}",
        f"SELECT * FROM files WHERE {{{{upload_timestamp}}}} ORDER BY upload_timestamp DESC LIMIT {n}",
        (when,),
    )
