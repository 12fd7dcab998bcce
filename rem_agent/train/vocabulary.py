"""The vocabulary the phrasing families draw from: names, projects, teams, topics, moment
kinds, tags, categories, time phrases, and the small helpers that draw from them or dress a
request the way people type it."""

from __future__ import annotations

import random

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
    "kubernetes autoscaling|rust async|pricing strategy|churn|vector embeddings|"
    "onboarding checklist|climate policy|postgres indexing|kafka consumer lag|gdpr|the outage|"
    "transformers|newsletter|budget|roadmap|redis migration|okrs|security review|sso setup|"
    "lease agreement|docker compose|hiring plan|api design|incident postmortem|quarterly goals|"
    "customer feedback|graphql schema|terraform modules|react hooks|data retention|load testing|"
    "feature flags|billing system|mobile release|accessibility audit|latency spikes|"
    "cost optimization|user interviews|sprint retro|marketing campaign|vendor contracts|tax return|"
    "travel plans|wedding planning|home renovation|garden layout|machine learning|llm evaluation|"
    "prompt engineering|rate limiting|caching strategy|search relevance|ci pipeline|"
    "code review guidelines|disaster recovery|backup policy|team offsite|performance reviews|"
    "compensation bands|product launch|competitor analysis|pitch deck|board meeting prep|"
    "investor letter|microservices|event sourcing|websockets|oauth flow|encryption at rest|"
    "s3 buckets|spark jobs|airflow dags|dbt models|snowflake costs|elasticsearch tuning|"
    "sql injection|python packaging|type hints|unit tests|flaky tests|monorepo tooling|"
    "release notes|japanese lessons|marathon training|sourdough|book club|podcast ideas|blog drafts"
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
# Where moments happen, and the channels and agents of sessions.
LOCATIONS = (
    "kitchen|office|berlin office|cafe|car|garden|gym|airport|library|living room|studio"
).split("|")
CHANNELS = ("slack", "web", "email", "teams", "discord", "sms", "whatsapp")
AGENTS = ("research", "coding", "writing", "support", "planner", "travel")


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


def bare_topic(topic: str) -> str:
    return topic.removeprefix("the ")


# Search-bar text

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
