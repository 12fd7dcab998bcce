"""The phrasing library: how people ask for each kind of REM query, as families of
templates over a vocabulary.

A family is one way of asking ("who is {person}", "{person}'s manager"), with the REM
answer written the way the dev set writes it (REM.md §5). Whole families are held out
for validation (`holdout=True`): the adapter never sees those phrasings in training,
so the validation split measures generalisation, not recall. Every statement kind has
at least one held-out family.

In an answer, `{{field}}` stands for the filter on the request's time phrase, filled in
from `rem_agent.train.calendar` (never from the resolver under test).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

# -- vocabulary -----------------------------------------------------------------

FIRST = (
    "Sarah Mike Emily Priya Marcus Jordan Olivia Kenji Nadia Tom Lena Omar Ravi Mei Jonas "
    "Anna Ben Carla Sam Alex Jo Dana Sally Ahmed Fatima Lucas Sofia Mateo Chloe Noah Aisha "
    "Ingrid Pierre Yuki Hiro Chen Wei Elena Ivan Zara Leo Maya Ethan Grace Daniel Rosa Tariq "
    "Hannah Felix Amara Diego Lars Astrid Kofi Nia Raj Anika Paolo Giulia Sven Mira Theo"
).split()
LAST = (
    "Chen Patel Webb Tanaka Rahman Becker Fischer Haddad Kumar Lin Berg Schmidt Alvarez Garcia "
    "Nguyen Okafor Rossi Novak Kowalski Jensen Moreau Silva Ito Park Kim Singh Cohen Murphy "
    "Dubois Larsen Costa Mendes Horvat Yilmaz Sato Ahmadi Brennan Walsh Okoro Lindqvist"
).split()
# Names as other languages write them (accents, particles, non-Latin order kept as typed).
WORLD_NAMES = (
    "José García|Zoë Müller|François Lefèvre|Björn Ångström|Łukasz Wójcik|Søren Kjær|"
    "Ana de la Cruz|Jean-Luc Picard|Nguyễn Văn An|Mohammed Al-Farsi|Siobhán Kelly|"
    "Renée Côté|Jürgen Groß|Núria Puig|Dmitri Ivanov|Zhang Wei|Kwame Mensah|Ines Álvarez"
).split("|")
PROJECTS = (
    "Phoenix Apollo Gemini Atlas Hermes Orion Zephyr Titan Nimbus Aurora Falcon Nova Polaris "
    "Vega Helix Quasar Lighthouse Sequoia Everest Comet Horizon Keystone Mosaic Beacon Ember"
).split()
TEAMS = (
    "platform team|data team|design team|security team|growth team|infra team|mobile team|"
    "sales team|support team|finance team|legal team|research group"
).split("|")
COMPANIES = (
    "Acme Corp|Globex|Initech|Umbrella Labs|Stark Industries|Wayne Enterprises|Blue Harbor|"
    "Northwind|Contoso|Fabrikam|Tyrell Systems|Cyberdyne|Hooli|Pied Piper|Vandelay Imports"
).split("|")
TOPICS = (
    "kubernetes autoscaling|rust async|pricing strategy|churn|vector embeddings|onboarding checklist|"
    "climate policy|postgres indexing|kafka consumer lag|gdpr|the outage|transformers|newsletter|"
    "budget|roadmap|redis migration|okrs|security review|sso setup|lease agreement|docker compose|"
    "hiring plan|api design|incident postmortem|quarterly goals|customer feedback|graphql schema|"
    "terraform modules|react hooks|data retention|load testing|feature flags|billing system|"
    "mobile release|accessibility audit|latency spikes|cost optimization|user interviews|"
    "sprint retro|marketing campaign|vendor contracts|tax return|travel plans|wedding planning|"
    "home renovation|garden layout|machine learning|llm evaluation|prompt engineering|"
    "rate limiting|caching strategy|search relevance|ci pipeline|code review guidelines|"
    "disaster recovery|backup policy|team offsite|performance reviews|compensation bands|"
    "product launch|competitor analysis|pitch deck|board meeting prep|investor letter|"
    "microservices|event sourcing|websockets|oauth flow|encryption at rest|s3 buckets|"
    "spark jobs|airflow dags|dbt models|snowflake costs|elasticsearch tuning|sql injection|"
    "python packaging|type hints|unit tests|flaky tests|monorepo tooling|release notes|"
    "japanese lessons|marathon training|sourdough|book club|podcast ideas|blog drafts"
).split("|")
MOMENT_KINDS = {  # moment_type value -> how people say it (plural first)
    "meeting": ("meetings", "meeting", "mtgs"),
    "conversation": ("conversations", "conversation", "talks", "chats with people"),
    "observation": ("observations", "observation"),
    "reflection": ("reflections", "reflection"),
    "planning": ("planning moments", "planning sessions", "planning"),
    "problem_solving": ("problem solving moments", "problem-solving sessions"),
    "learning": ("learning moments", "learning sessions", "study sessions"),
    "social": ("social moments", "social events", "social stuff"),
    "coding": ("coding sessions", "coding moments", "coding"),
}
TAGS = (
    "work family travel health fitness urgent ai finance music reading cooking kids garden "
    "career hiring design research sports friends ideas"
).split()
EMOTIONS = (
    "happy anxious calm frustrated excited sad grateful stressed proud curious angry tired"
).split()
CATEGORIES = {  # category value -> how people say it
    "journal": ("journal entries", "journal"),
    "diary": ("diary entries", "diary"),
    "recipe": ("recipes",),
    "bookmark": ("bookmarks", "saved links"),
    "article": ("articles",),
    "meeting notes": ("meeting notes",),
    "receipt": ("receipts",),
    "invoice": ("invoices",),
    "poem": ("poems",),
    "letter": ("letters",),
    "todo": ("todos", "todo lists"),
    "essay": ("essays",),
}
MIME = {
    "application/pdf": ("pdf", "pdfs", "PDF"),
    "image/png": ("png", "pngs"),
    "image/jpeg": ("jpeg", "jpg"),
    "text/csv": ("csv",),
    "text/markdown": ("markdown",),
    "application/json": ("json",),
}
TYPO_WORDS = (
    "kubernetes postgres elasticsearch tensorflow jonathan mcdonald schwarzenegger report "
    "zephyr transformer kafka javascript terraform prometheus grafana ansible mongodb "
    "cassandra typescript sebastian catherine michelle stephanie christopher invoice "
    "calendar analytics dashboard"
).split()
# Times the answers filter on: every one of these has a rule in `calendar.interval`.
TIME_PHRASES = (
    "today|yesterday|this week|last week|earlier this week|this month|last month|this quarter|"
    "last quarter|this year|last year|so far this year|year to date|recently|lately|past week|"
    "past month|past 24 hours|this morning|this afternoon|yesterday afternoon|yesterday morning|"
    "tonight|last weekend|over the weekend"
).split("|")
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
MONTHS = (
    "january february march april may june july august september october november december"
).split()


def time_phrase(rng: random.Random) -> str:
    """A date phrase the calendar knows, drawn so every shape of §4 appears."""
    shape = rng.randrange(10)
    if shape < 5:
        return rng.choice(TIME_PHRASES)
    if shape == 5:
        n = rng.choice((2, 3, 5, 7, 10, 14, 30))
        unit = rng.choice(("days", "weeks", "months")) if n < 7 else "days"
        return f"{rng.choice(('past', 'last', 'in the last'))} {n} {unit}"
    if shape == 6:
        n = rng.randint(2, 5)
        return f"{n} {rng.choice(('days', 'weeks'))} ago"
    if shape == 7:
        return f"{rng.choice(('on', 'since', 'last'))} {rng.choice(WEEKDAYS)}"
    if shape == 8:
        year = rng.choice(("", f" {rng.randint(2023, 2026)}"))
        return f"q{rng.randint(1, 4)}{year}"
    month = rng.choice(MONTHS)
    return rng.choice(
        (
            f"in {month}",
            f"{month} {rng.randint(2023, 2026)}",
            f"since {month}",
            f"before {rng.randint(2022, 2026)}",
            f"in {rng.randint(2023, 2026)}",
        )
    )


def person(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        return rng.choice(WORLD_NAMES)
    if roll < 0.55:
        return rng.choice(FIRST)
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def typo(word: str, rng: random.Random) -> str:
    """A plausible misspelling: one swap, drop, double or vowel change."""
    chars = list(word)
    i = rng.randrange(1, len(chars) - 1)
    op = rng.randrange(4)
    if op == 0:
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif op == 1:
        del chars[i]
    elif op == 2:
        chars.insert(i, chars[i])
    else:
        vowels = "aeiou"
        j = next((k for k in range(i, len(chars)) if chars[k] in vowels), i)
        chars[j] = rng.choice([v for v in vowels if v != chars[j]] or ["e"])
    out = "".join(chars)
    return out if out != word else word + word[-1]


def title(text: str) -> str:
    """Title Case for names typed in lower case ("priya patel" -> "Priya Patel")."""
    return " ".join(w[:1].upper() + w[1:] if w.islower() else w for w in text.split())


# -- families -------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """One request and its answer; `when` lists the time phrases in the request, in order."""

    request: str
    rem: str
    when: tuple[str, ...] = ()
    # The p8fs profile's answer where it differs; None means the same as `rem`.
    p8fs: str | None = None


@dataclass(frozen=True)
class Family:
    name: str
    category: str
    make: Callable[[random.Random], Draft]
    weight: float = 1.0
    holdout: bool = False
    tags: tuple[str, ...] = field(default=())


FAMILIES: list[Family] = []


def family(
    category: str, *, weight: float = 1.0, holdout: bool = False
) -> Callable[[Callable[[random.Random], Draft]], Callable[[random.Random], Draft]]:
    def register(make: Callable[[random.Random], Draft]) -> Callable[[random.Random], Draft]:
        FAMILIES.append(Family(make.__name__, category, make, weight, holdout))
        return make

    return register


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lookup(*keys: str) -> str:
    return "LOOKUP " + ", ".join(_q(k) for k in keys)


def _case(rng: random.Random, name: str) -> str:
    return name.lower() if rng.random() < 0.35 else name


# LOOKUP: one entity


@family("lookup", weight=1.5)
def who_is(rng: random.Random) -> Draft:
    name = person(rng)
    verb = rng.choice(("who is", "who's", "whos", "who is", "tell me about", "info on"))
    mark = rng.choice(("", "", "?"))
    return Draft(f"{verb} {_case(rng, name)}{mark}", _lookup(title(name)))


@family("lookup")
def bare_name(rng: random.Random) -> Draft:
    name = (
        f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.7 else rng.choice(WORLD_NAMES)
    )
    return Draft(_case(rng, name), _lookup(title(name)))


@family("lookup")
def project_entity(rng: random.Random) -> Draft:
    proj = rng.choice(PROJECTS)
    shape = rng.randrange(4)
    if shape == 0:
        return Draft(f"project {proj.lower()}", _lookup(f"Project {proj}"))
    if shape == 1:
        verb = rng.choice(("open", "show", "pull up"))
        return Draft(f"{verb} the {proj} project", _lookup(proj))
    if shape == 2:
        return Draft(f"what is {proj}", _lookup(proj))
    return Draft(f"{rng.choice(('lookup', 'look up', 'find'))} {proj.lower()}", _lookup(proj))


@family("lookup")
def org_entity(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        team = rng.choice(TEAMS)
        return Draft(f"{rng.choice(('info on the', 'the', 'show me the'))} {team}", _lookup(team))
    company = rng.choice(COMPANIES)
    return Draft(f"{rng.choice(('pull up', 'open', 'show'))} {company}", _lookup(company))


@family("lookup", holdout=True)
def profile_of(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.choice(("show me {n}'s profile", "{n} details", "what do we have on {n}"))
    return Draft(shape.format(n=_case(rng, name)), _lookup(title(name)))


@family("lookup")
def other_language(rng: random.Random) -> Draft:
    name = person(rng)
    verb = rng.choice(("quién es", "qui est", "wer ist", "chi è", "quem é"))
    return Draft(f"{verb} {name}", _lookup(title(name)))


# LOOKUP: several entities


def _people(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        name = person(rng) if rng.random() < 0.4 else rng.choice(FIRST)
        if name not in names:
            names.append(name)
    return names


@family("lookup_multi", weight=1.2)
def several_people(rng: random.Random) -> Draft:
    names = _people(rng, rng.choice((2, 2, 3)))
    joined = ", ".join(names[:-1]) + f" and {names[-1]}"
    lead = rng.choice(("show me ", "who are ", "get ", "", "look up "))
    text = f"{lead}{joined}"
    return Draft(_case(rng, text) if not lead else text, _lookup(*(title(n) for n in names)))


@family("lookup_multi")
def name_list(rng: random.Random) -> Draft:
    names = _people(rng, rng.choice((2, 3, 4)))
    return Draft(", ".join(names), _lookup(*names))


@family("lookup_multi", holdout=True)
def projects_pair(rng: random.Random) -> Draft:
    a, b = rng.sample(PROJECTS, 2)
    if rng.random() < 0.5:
        return Draft(f"{a} and {b}", _lookup(a, b))
    return Draft(f"info on {a} & {b}", _lookup(a, b))


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
    return Draft(text, f"SEARCH {_q(_topic(topic))} IN resources")


@family("search", holdout=True)
def topic_question(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    shape = rng.choice(("where did i put the {t}", "i need the doc about {t}", "anything re {t}?"))
    return Draft(
        shape.format(t=topic.removeprefix("the ")), f"SEARCH {_q(_topic(topic))} IN resources"
    )


@family("search")
def top_n_search(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    n = rng.choice((3, 5, 10, 20))
    text = rng.choice((f"top {n} docs on {topic}", f"{n} best notes about {topic}"))
    return Draft(
        text,
        f"SEARCH {_q(_topic(topic))} IN resources LIMIT {n}",
        p8fs=f"SEARCH {_q(_topic(topic))} IN resources",
    )


@family("search")
def moment_kind_topic(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    topic = rng.choice(TOPICS)
    text = f"{words[0]} about {topic}"
    return Draft(
        text,
        f"SEARCH {_q(_topic(topic))} IN moments WHERE moment_type = '{kind}'",
        p8fs=f"SEARCH {_q(_topic(topic))} IN moments",
    )


@family("search", weight=1.3)
def chat_topic(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    text = rng.choice(
        (f"chats about {topic}", f"sessions on {topic}", f"chat sessions about {topic}")
    )
    return Draft(text, f"SEARCH {_q(_topic(topic))} IN sessions")


def _topic(topic: str) -> str:
    return topic.removeprefix("the ")


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
        f"SEARCH {_q(_topic(topic))} IN resources WHERE {{{{created_at}}}}",
        (when,),
        p8fs=f"SEARCH {_q(_topic(topic))} IN resources",
    )


@family("search_time")
def kind_topic_when(rng: random.Random) -> Draft:
    kind, words = rng.choice(list(MOMENT_KINDS.items()))
    topic = rng.choice(TOPICS)
    when = time_phrase(rng)
    text = f"{words[0]} about {topic} {when}"
    return Draft(
        text,
        f"SEARCH {_q(_topic(topic))} IN moments WHERE moment_type = '{kind}' AND {{{{resource_timestamp}}}}",
        (when,),
        p8fs=f"SEARCH {_q(_topic(topic))} IN moments",
    )


@family("search_time", holdout=True)
def when_first_topic(rng: random.Random) -> Draft:
    topic = rng.choice(TOPICS)
    when = rng.choice(TIME_PHRASES)
    text = rng.choice((f"{when}: notes on {topic}", f"{when} what did i write about {topic}"))
    return Draft(
        text,
        f"SEARCH {_q(_topic(topic))} IN resources WHERE {{{{created_at}}}}",
        (when,),
        p8fs=f"SEARCH {_q(_topic(topic))} IN resources",
    )


# Named time fields


@family("named_time", weight=1.2)
def edited_when(rng: random.Random) -> Draft:
    when = time_phrase(rng)
    verb = rng.choice(("updated", "modified", "edited", "changed"))
    if rng.random() < 0.5:
        topic = rng.choice(TOPICS)
        return Draft(
            f"{_topic(topic)} docs {verb} {when}",
            f"SEARCH {_q(_topic(topic))} IN resources WHERE {{{{updated_at}}}}",
            (when,),
            p8fs=f"SEARCH {_q(_topic(topic))} IN resources",
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


# TRAVERSE


def _traverse(edge: str, key: str, depth: int = 1) -> str:
    edges = f"{edge} " if edge else ""
    return f"TRAVERSE {edges}WITH LOOKUP {_q(key)} DEPTH {depth}"


@family("traverse", weight=1.0)
def reports_to(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.choice(
        ("who reports to {n}", "who reports to {n}?", "{n}'s team", "{n}'s direct reports")
    )
    edge = "reports-to" if shape.startswith("who reports") else "manages"
    return Draft(shape.format(n=_case(rng, name)), _traverse(edge, title(name)))


@family("traverse")
def manages(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.choice(("who does {n} manage", "{n}'s reports", "people {n} manages"))
    return Draft(shape.format(n=_case(rng, name)), _traverse("manages", title(name)))


@family("traverse")
def manager_of(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.choice(("{n}'s manager", "who does {n} report to", "who is {n}'s boss"))
    return Draft(shape.format(n=name), _traverse("reports-to", name))


@family("traverse")
def two_levels(rng: random.Random) -> Draft:
    name = person(rng)
    if rng.random() < 0.5:
        return Draft(f"{name}'s reports and their reports", _traverse("manages", name, 2))
    return Draft(f"{name}'s manager and their manager", _traverse("reports-to", name, 2))


@family("traverse")
def connected(rng: random.Random) -> Draft:
    shape = rng.randrange(4)
    if shape == 0:
        proj = rng.choice(PROJECTS)
        return Draft(
            f"everything connected to project {proj.lower()}", _traverse("", f"Project {proj}")
        )
    if shape == 1:
        name = person(rng)
        # p8fs cannot run an edge name holding "with": all edges instead.
        return Draft(
            f"who works with {name}", _traverse("works-with", name), p8fs=_traverse("", name)
        )
    if shape == 2:
        proj = rng.choice(PROJECTS)
        return Draft(f"what edges does {proj} have", _traverse("", proj, 0))
    name = rng.choice(FIRST)
    n = rng.randint(2, 3)
    return Draft(f"show the graph around {name.lower()}, {n} hops", _traverse("", name, n))


@family("traverse")
def related_to_topic(rng: random.Random) -> Draft:
    topic = _topic(rng.choice(TOPICS))
    lead = rng.choice(("people related to the", "who is linked to the", "what connects to the"))
    return Draft(f"{lead} {topic}", f"TRAVERSE WITH SEARCH {_q(topic)} DEPTH 1")


@family("traverse", holdout=True)
def boss_chain(rng: random.Random) -> Draft:
    name = person(rng)
    if rng.random() < 0.5:
        return Draft(f"who is above {name}", _traverse("reports-to", title(name)))
    return Draft(f"who is under {name}", _traverse("manages", title(name)))


# FUZZY


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
    return Draft(shape.format(w=word), f"FUZZY {_q(word)}", p8fs=f"SEARCH {_q(word)} IN resources")


@family("fuzzy")
def person_like(rng: random.Random) -> Draft:
    word = typo(rng.choice([*TYPO_WORDS[15:], "jonathan", "mcdonald"]), rng)
    return Draft(
        f"a person called {word} or similar",
        f"FUZZY {_q(word)}",
        p8fs=f"SEARCH {_q(word)} IN resources",
    )


@family("fuzzy")
def fuzzy_in_table(rng: random.Random) -> Draft:
    word = typo(rng.choice(TYPO_WORDS), rng)
    if rng.random() < 0.5:
        return Draft(
            f"files named like {word}",
            f"FUZZY {_q(word)} IN files",
            p8fs=f"SEARCH {_q(word)} IN files",
        )
    n = rng.choice((3, 5, 10))
    return Draft(
        f"close matches to {word}, top {n}",
        f"FUZZY {_q(word)} LIMIT {n}",
        p8fs=f"SEARCH {_q(word)} IN resources",
    )


@family("fuzzy", holdout=True)
def not_sure_spelling(rng: random.Random) -> Draft:
    word = typo(rng.choice(TYPO_WORDS), rng)
    shape = rng.choice(
        ("not sure how to spell it, {w}", "{w} or however it's spelled", "{w}?? maybe misspelled")
    )
    return Draft(shape.format(w=word), f"FUZZY {_q(word)}", p8fs=f"SEARCH {_q(word)} IN resources")


# Other fields and predicates (REM.md §1): text fields, null checks, ILIKE, ranges

LOCATIONS = (
    "kitchen|office|berlin office|cafe|car|garden|gym|airport|library|living room|studio"
).split("|")
CHANNELS = ("slack", "web", "email", "teams", "discord", "sms", "whatsapp")
AGENTS = ("research", "coding", "writing", "support", "planner", "travel")


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
    title_ = _topic(rng.choice(TOPICS))
    if rng.random() < 0.5:
        return Draft(f"notes titled {title_}", f"SELECT * FROM resources WHERE name = '{title_}'")
    word = title_.split()[0]
    return Draft(
        f"resources with names like {word}",
        f"SELECT * FROM resources WHERE name ILIKE '%{word}%'",
        p8fs=f"SEARCH {_q(word)} IN resources",  # p8fs has no ILIKE
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


@family("select_order")
def first_n_ever(rng: random.Random) -> Draft:
    table = rng.choice(list(_TABLE_NOUNS))
    noun = rng.choice(_TABLE_NOUNS[table])
    n = rng.choice((3, 5, 10))
    return Draft(
        rng.choice((f"first {n} {noun} ever", f"my {n} oldest {noun}")),
        f"SELECT * FROM {table} ORDER BY {_TIME_FIELD[table]} ASC LIMIT {n}",
    )


@family("traverse")
def other_edges(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.randrange(4)
    if shape == 0:
        return Draft(f"projects owned by {name}", _traverse("owns", name))
    if shape == 1:
        team = rng.choice(TEAMS)
        return Draft(f"who is on the {team}", _traverse("member-of", team))
    if shape == 2:
        return Draft(f"who reports to or manages {name}", _traverse("reports-to,manages", name))
    return Draft(f"{name}'s manager's manager", _traverse("reports-to", name, 2))


@family("traverse")
def entity_relations(rng: random.Random) -> Draft:
    entity = rng.choice([*COMPANIES, *PROJECTS])
    lead = rng.choice(("relationships of", "everything linked to", "what is connected to"))
    return Draft(f"{lead} {entity}", _traverse("", entity))


# -- sloppy search-bar text --------------------------------------------------------

_FILLER_TYPOS = {
    "about": "abt",
    "please": "pls",
    "with": "w/",
    "you": "u",
    "are": "r",
    "meetings": "meetngs",
    "notes": "notez",
}


def sloppy(text: str, rng: random.Random) -> str:
    """Search-bar habits that keep the meaning: case, filler typos, marks, politeness."""
    roll = rng.randrange(6)
    if roll == 0:
        return text.lower()
    if roll == 1:
        return text.upper()
    if roll == 2:
        words = text.split()
        return " ".join(_FILLER_TYPOS.get(w, w) for w in words)
    if roll == 3:
        return text + rng.choice(("?", "??", "!", "...", " pls"))
    if roll == 4:
        return rng.choice(("pls find ", "can you show me ", "hey, ", "i need ")) + text
    return text.replace(" the ", " ")


def families_by_category() -> dict[str, list[Family]]:
    out: dict[str, list[Family]] = {}
    for fam in FAMILIES:
        out.setdefault(fam.category, []).append(fam)
    return out
