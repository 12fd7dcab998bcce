"""Write eval/devset.jsonl: the hand-written dev set for `rem-agent eval`.

Run `python eval/make_devset.py` to regenerate it. Every request, expected query
and accepted alternative is written here by REM.md §1–§5. Dates are *not* taken
from `rem_agent.dates`: `rem_agent.train.calendar` is a small independent computation
(datetime + dateutil.relativedelta) for exactly the phrases this set uses, and
`tests/test_eval_devset.py` asserts it agrees with `resolve_dates` on every case.

In an expected query, `{field}` in double braces, e.g. `{{created_at}}`, is
replaced by the filter for the case's time phrase(s) on that field:
`created_at >= 'start' AND created_at < 'end'` (an open side left out).
"""

# ruff: noqa: E501  (expected queries stay on one line so they read as REM)
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rem_agent.train.calendar import condition, literals

OUT = Path(__file__).resolve().parent / "devset.jsonl"

# Reference times (wall time in the case's zone) and their weekdays.
N_THU = "2026-11-26T10:30:00"  # Thursday: REM.md's worked examples
N_MON = "2026-03-02T08:15:00"  # Monday
N_TUE = "2027-01-05T16:45:00"  # Tuesday, just after a year boundary
N_LEAP = "2028-02-29T12:00:00"  # Tuesday, leap day (month arithmetic clamps)
N_DST = "2026-03-10T09:00:00"  # Tuesday; New York switched to summer time on Sunday


# ---------------------------------------------------------------- cases


@dataclass
class Case:
    category: str
    nl: str
    expected: str
    accept: list[str] = field(default_factory=list)
    when: list[str] = field(default_factory=list)  # time phrases in `nl`, in order
    now: str = N_THU
    tz: str = "UTC"
    profile: str = "rem"

    def render(self, index: int) -> dict[str, object]:
        bounds = [literals(p, self.now, self.tz) for p in self.when]

        def fill(text: str) -> str:
            def one(m: re.Match[str]) -> str:
                name, _, which = m[1].partition(":")
                return condition(name, bounds[int(which or 0)])

            return re.sub(r"\{\{(\w+(?::\d)?)\}\}", one, text)

        return {
            "id": f"{self.category}-{index:03d}",
            "nl": self.nl,
            "now": self.now,
            "tz": self.tz,
            "profile": self.profile,
            "expected": fill(self.expected),
            "accept": [fill(a) for a in self.accept],
            "category": self.category,
            "dates": [
                {"phrase": p, "start": s, "end": e}
                for p, (s, e) in zip(self.when, bounds, strict=True)
            ],
        }


C = Case
CASES: list[Case] = []


def add(*cases: Case) -> None:
    CASES.extend(cases)


# -- LOOKUP: one entity ------------------------------------------------------
add(
    C("lookup", "who is priya patel", 'LOOKUP "Priya Patel"', ['LOOKUP "priya patel"']),
    C("lookup", "Tell me about Marcus Webb", 'LOOKUP "Marcus Webb"'),
    C("lookup", "project phoenix", 'LOOKUP "Project Phoenix"', ['LOOKUP "project phoenix"']),
    C("lookup", "whos jordan", 'LOOKUP "Jordan"', ['LOOKUP "jordan"']),
    C("lookup", "open the Atlas project", 'LOOKUP "Atlas"', ['LOOKUP "Atlas project"']),
    C("lookup", "Kenji Tanaka", 'LOOKUP "Kenji Tanaka"'),
    C("lookup", "info on the platform team", 'LOOKUP "platform team"', ['LOOKUP "Platform Team"']),
    C("lookup", "who's Dr. Alvarez?", 'LOOKUP "Dr. Alvarez"', ['LOOKUP "Alvarez"']),
    C("lookup", "pull up Acme Corp", 'LOOKUP "Acme Corp"'),
    C("lookup", "what is Hermes", 'LOOKUP "Hermes"'),
    C("lookup", "lookup olivia", 'LOOKUP "Olivia"', ['LOOKUP "olivia"']),
    C("lookup", "who is Nadia Rahman", 'LOOKUP "Nadia Rahman"', profile="p8fs"),
    C("lookup", "the Orion initiative", 'LOOKUP "Orion initiative"', ['LOOKUP "Orion"']),
    C("lookup", "show me Tom Becker's profile", 'LOOKUP "Tom Becker"'),
    C("lookup", "find the entity called Blue Harbor", 'LOOKUP "Blue Harbor"'),
)

# -- LOOKUP: several entities ------------------------------------------------
add(
    C("lookup_multi", "show me Anna, Ben and Carla", 'LOOKUP "Anna", "Ben", "Carla"'),
    C("lookup_multi", "priya and marcus", 'LOOKUP "Priya", "Marcus"', ['LOOKUP "priya", "marcus"']),
    C(
        "lookup_multi",
        "who are Lena Fischer and Omar Haddad",
        'LOOKUP "Lena Fischer", "Omar Haddad"',
    ),
    C(
        "lookup_multi",
        "projects apollo and gemini",
        'LOOKUP "Apollo", "Gemini"',
        ['LOOKUP "apollo", "gemini"', 'LOOKUP "Project Apollo", "Project Gemini"'],
    ),
    C("lookup_multi", "Sam, Alex, Jo", 'LOOKUP "Sam", "Alex", "Jo"'),
    C("lookup_multi", "look up Hermes and Atlas", 'LOOKUP "Hermes", "Atlas"'),
    C("lookup_multi", "who r mike and emily", 'LOOKUP "Mike", "Emily"', ['LOOKUP "mike", "emily"']),
    C(
        "lookup_multi",
        "Ravi Kumar, Mei Lin and Jonas Berg",
        'LOOKUP "Ravi Kumar", "Mei Lin", "Jonas Berg"',
    ),
    C("lookup_multi", "get Sarah and Mike", 'LOOKUP "Sarah", "Mike"', profile="p8fs"),
    C(
        "lookup_multi",
        "compare teams Falcon and Eagle",
        'LOOKUP "Falcon", "Eagle"',
        ['LOOKUP "Team Falcon", "Team Eagle"'],
    ),
)

# -- SEARCH: topic only ------------------------------------------------------
add(
    C(
        "search",
        "notes about kubernetes autoscaling",
        'SEARCH "kubernetes autoscaling" IN resources',
    ),
    C("search", "anything on rust async", 'SEARCH "rust async" IN resources'),
    C("search", "docs about our pricing strategy", 'SEARCH "pricing strategy" IN resources'),
    C("search", "what do we know about churn", 'SEARCH "churn" IN resources'),
    C("search", "find stuff on vector embeddings", 'SEARCH "vector embeddings" IN resources'),
    C("search", "onboarding checklist", 'SEARCH "onboarding checklist" IN resources'),
    C("search", "articles about climate policy", 'SEARCH "climate policy" IN resources'),
    C(
        "search",
        "how do we deploy to prod?",
        'SEARCH "deploy to prod" IN resources',
        ['SEARCH "deploy to production" IN resources', 'SEARCH "deployment to prod" IN resources'],
    ),
    C(
        "search",
        "postgres indexing tips",
        'SEARCH "postgres indexing tips" IN resources',
        ['SEARCH "postgres indexing" IN resources'],
    ),
    C(
        "search",
        "reasearch on graph neural networks",
        'SEARCH "graph neural networks" IN resources',
    ),
    C("search", "notes re: the offsite agenda", 'SEARCH "offsite agenda" IN resources'),
    C("search", "anything about the security audit", 'SEARCH "security audit" IN resources'),
    C(
        "search",
        "summaries of the customer interviews",
        'SEARCH "customer interviews" IN resources',
    ),
    C("search", "ideas for the mobile app redesign", 'SEARCH "mobile app redesign" IN resources'),
    C("search", "search for budget forecast", 'SEARCH "budget forecast" IN resources'),
    C(
        "search",
        "conversations about burnout",
        "SEARCH \"burnout\" IN moments WHERE moment_type = 'conversation'",
    ),
    C("search", "moments about the product launch", 'SEARCH "product launch" IN moments'),
    C("search", "chat sessions about billing errors", 'SEARCH "billing errors" IN sessions'),
    C("search", "files about the tax return", 'SEARCH "tax return" IN files'),
    C(
        "search",
        "meetings about hiring",
        "SEARCH \"hiring\" IN moments WHERE moment_type = 'meeting'",
    ),
    C(
        "search",
        "learning moments about spanish",
        "SEARCH \"spanish\" IN moments WHERE moment_type = 'learning'",
    ),
    C(
        "search",
        "reflections on leadership",
        "SEARCH \"leadership\" IN moments WHERE moment_type = 'reflection'",
    ),
    C(
        "search",
        "problem solving about the memory leak",
        "SEARCH \"memory leak\" IN moments WHERE moment_type = 'problem_solving'",
    ),
    C("search", "top 5 docs on observability", 'SEARCH "observability" IN resources LIMIT 5'),
    C(
        "search",
        "3 best matches for sourdough recipe",
        'SEARCH "sourdough recipe" IN resources LIMIT 3',
    ),
    C("search", "first 10 results about llm evals", 'SEARCH "llm evals" IN resources LIMIT 10'),
    C("search", "notes mentioning terraform", 'SEARCH "terraform" IN resources'),
    C(
        "search",
        "what did we say about the API rate limits",
        'SEARCH "API rate limits" IN resources',
        ['SEARCH "API rate limits" IN moments'],
    ),
)

# -- SEARCH with a time filter on the default field --------------------------
add(
    C(
        "search_time",
        "notes about kafka from last week",
        'SEARCH "kafka" IN resources WHERE {{created_at}}',
        when=["last week"],
    ),
    C(
        "search_time",
        "docs on gdpr this month",
        'SEARCH "gdpr" IN resources WHERE {{created_at}}',
        when=["this month"],
    ),
    C(
        "search_time",
        "anything about the outage yesterday",
        'SEARCH "outage" IN resources WHERE {{created_at}}',
        when=["yesterday"],
    ),
    C(
        "search_time",
        "research on transformers in the past 2 weeks",
        'SEARCH "transformers" IN resources WHERE {{created_at}}',
        when=["past 2 weeks"],
    ),
    C(
        "search_time",
        "ideas about the newsletter recently",
        'SEARCH "newsletter" IN resources WHERE {{created_at}}',
        when=["recently"],
    ),
    C(
        "search_time",
        "meetings about the budget last week",
        "SEARCH \"budget\" IN moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        when=["last week"],
    ),
    C(
        "search_time",
        "conversations with legal in march",
        "SEARCH \"legal\" IN moments WHERE moment_type = 'conversation' AND {{resource_timestamp}}",
        when=["march"],
    ),
    C(
        "search_time",
        "planning moments for the roadmap this quarter",
        "SEARCH \"roadmap\" IN moments WHERE moment_type = 'planning' AND {{resource_timestamp}}",
        when=["this quarter"],
    ),
    C(
        "search_time",
        "notes on the redis migration from q3",
        'SEARCH "redis migration" IN resources WHERE {{created_at}}',
        when=["q3"],
    ),
    C(
        "search_time",
        "writing about stoicism last year",
        'SEARCH "stoicism" IN resources WHERE {{created_at}}',
        when=["last year"],
    ),
    C(
        "search_time",
        "docs about onboarding since monday",
        'SEARCH "onboarding" IN resources WHERE {{created_at}}',
        when=["since monday"],
    ),
    C(
        "search_time",
        "notes on the design review 3 days ago",
        'SEARCH "design review" IN resources WHERE {{created_at}}',
        when=["3 days ago"],
    ),
    C(
        "search_time",
        "thoughts about the reorg lately",
        'SEARCH "reorg" IN resources WHERE {{created_at}}',
        when=["lately"],
    ),
    C(
        "search_time",
        "stuff on the acme deal today",
        'SEARCH "acme deal" IN resources WHERE {{created_at}}',
        when=["today"],
    ),
    C(
        "search_time",
        "chat sessions about refunds this week",
        'SEARCH "refunds" IN sessions WHERE {{created_at}}',
        when=["this week"],
    ),
    C(
        "search_time",
        "notes on mortgage rates before 2025",
        'SEARCH "mortgage rates" IN resources WHERE {{created_at}}',
        when=["before 2025"],
    ),
    C(
        "search_time",
        "top 3 notes on pricing from last month",
        'SEARCH "pricing" IN resources WHERE {{created_at}} LIMIT 3',
        when=["last month"],
    ),
    C(
        "search_time",
        "docs about the sdk in 2025",
        'SEARCH "sdk" IN resources WHERE {{created_at}}',
        when=["in 2025"],
    ),
    C(
        "search_time",
        "what did i learn about golang this year",
        'SEARCH "golang" IN resources WHERE {{created_at}}',
        ["SEARCH \"golang\" IN moments WHERE moment_type = 'learning' AND {{resource_timestamp}}"],
        when=["this year"],
    ),
    C(
        "search_time",
        "meetings w/ design team about icons yesterday afternoon",
        "SEARCH \"design team icons\" IN moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        ["SEARCH \"icons\" IN moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}"],
        when=["yesterday afternoon"],
    ),
)

# -- SEARCH / SELECT with a named time field ---------------------------------
add(
    C(
        "named_time",
        "pricing docs updated this week",
        'SEARCH "pricing" IN resources WHERE {{updated_at}}',
        when=["this week"],
    ),
    C(
        "named_time",
        "notes modified yesterday",
        "SELECT * FROM resources WHERE {{updated_at}}",
        when=["yesterday"],
    ),
    C(
        "named_time",
        "files uploaded last week",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["last week"],
    ),
    C(
        "named_time",
        "sessions completed today",
        "SELECT * FROM sessions WHERE {{session_completed_at}}",
        when=["today"],
    ),
    C(
        "named_time",
        "chats that ended this morning",
        "SELECT * FROM sessions WHERE {{session_completed_at}}",
        when=["this morning"],
    ),
    C(
        "named_time",
        "docs about security edited in the last 3 days",
        'SEARCH "security" IN resources WHERE {{updated_at}}',
        when=["in the last 3 days"],
    ),
    C(
        "named_time",
        "resources changed since monday",
        "SELECT * FROM resources WHERE {{updated_at}}",
        when=["since monday"],
    ),
    C(
        "named_time",
        "csv files uploaded in october",
        "SELECT * FROM files WHERE mime_type = 'text/csv' AND {{upload_timestamp}}",
        when=["october"],
    ),
    C(
        "named_time",
        "sessions finished last month",
        "SELECT * FROM sessions WHERE {{session_completed_at}}",
        when=["last month"],
    ),
    C(
        "named_time",
        "notes created yesterday",
        "SELECT * FROM resources WHERE {{created_at}}",
        when=["yesterday"],
    ),
    C(
        "named_time",
        "moments updated this week",
        "SELECT * FROM moments WHERE {{updated_at}}",
        when=["this week"],
    ),
    C(
        "named_time",
        "sessions created last week",
        "SELECT * FROM sessions WHERE {{created_at}}",
        when=["last week"],
    ),
    C(
        "named_time",
        "meetings that ended yesterday",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_ends_timestamp}}",
        when=["yesterday"],
    ),
    C(
        "named_time",
        "roadmap notes updated last month",
        'SEARCH "roadmap" IN resources WHERE {{updated_at}}',
        when=["last month"],
    ),
    C(
        "named_time",
        "files i uploaded today",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["today"],
    ),
)

# -- SELECT by type / enum ---------------------------------------------------
add(
    C("select_type", "all my meetings", "SELECT * FROM moments WHERE moment_type = 'meeting'"),
    C("select_type", "coding sessions", "SELECT * FROM moments WHERE moment_type = 'coding'"),
    C("select_type", "show reflections", "SELECT * FROM moments WHERE moment_type = 'reflection'"),
    C("select_type", "social moments", "SELECT * FROM moments WHERE moment_type = 'social'"),
    C(
        "select_type",
        "my conversations",
        "SELECT * FROM moments WHERE moment_type = 'conversation'",
    ),
    C("select_type", "observations", "SELECT * FROM moments WHERE moment_type = 'observation'"),
    C(
        "select_type",
        "meetings or conversations",
        "SELECT * FROM moments WHERE moment_type IN ('meeting', 'conversation')",
        ["SELECT * FROM moments WHERE moment_type = 'meeting' OR moment_type = 'conversation'"],
    ),
    C("select_type", "pdf files", "SELECT * FROM files WHERE mime_type = 'application/pdf'"),
    C(
        "select_type",
        "all png images i uploaded",
        "SELECT * FROM files WHERE mime_type = 'image/png'",
    ),
    C(
        "select_type",
        "mettings yesterday",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        when=["yesterday"],
    ),
    C(
        "select_type",
        "coding moments this week",
        "SELECT * FROM moments WHERE moment_type = 'coding' AND {{resource_timestamp}}",
        when=["this week"],
    ),
    C(
        "select_type",
        "planning sessions last month",
        "SELECT * FROM moments WHERE moment_type = 'planning' AND {{resource_timestamp}}",
        when=["last month"],
    ),
    C(
        "select_type",
        "meetings on friday",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        when=["on friday"],
    ),
    C(
        "select_type",
        "learning moments in the past month",
        "SELECT * FROM moments WHERE moment_type = 'learning' AND {{resource_timestamp}}",
        when=["past month"],
    ),
    C(
        "select_type",
        "social stuff over the weekend",
        "SELECT * FROM moments WHERE moment_type = 'social' AND {{resource_timestamp}}",
        when=["over the weekend"],
    ),
    C(
        "select_type",
        "conversations last thursday",
        "SELECT * FROM moments WHERE moment_type = 'conversation' AND {{resource_timestamp}}",
        when=["last thursday"],
    ),
    C("select_type", "slack sessions", "SELECT * FROM sessions WHERE channel_type = 'slack'"),
    C(
        "select_type",
        "sessions with the research agent",
        "SELECT * FROM sessions WHERE agent = 'research'",
    ),
    C(
        "select_type",
        "meetings at the berlin office",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND location = 'berlin office'",
        [
            "SELECT * FROM moments WHERE moment_type = 'meeting' AND location = 'Berlin office'",
            "SELECT * FROM moments WHERE moment_type = 'meeting' AND location = 'Berlin'",
        ],
    ),
    C(
        "select_type",
        "problem solving moments today",
        "SELECT * FROM moments WHERE moment_type = 'problem_solving' AND {{resource_timestamp}}",
        when=["today"],
    ),
)

# -- SELECT by tag -----------------------------------------------------------
add(
    C(
        "select_tag",
        "moments tagged family",
        "SELECT * FROM moments WHERE topic_tags @> '[\"family\"]'::jsonb",
    ),
    C(
        "select_tag",
        "stuff tagged travel this year",
        "SELECT * FROM moments WHERE topic_tags @> '[\"travel\"]'::jsonb AND {{resource_timestamp}}",
        when=["this year"],
    ),
    C(
        "select_tag",
        "moments where i felt anxious",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"anxious\"]'::jsonb",
        ["SELECT * FROM moments WHERE key_emotions @> '[\"anxious\"]'::jsonb"],
    ),
    C(
        "select_tag",
        "happy moments last month",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"happy\"]'::jsonb AND {{resource_timestamp}}",
        when=["last month"],
    ),
    C(
        "select_tag",
        "moments tagged health and fitness",
        'SELECT * FROM moments WHERE topic_tags @> \'["health", "fitness"]\'::jsonb',
    ),
    C(
        "select_tag",
        "anything tagged #urgent",
        "SELECT * FROM moments WHERE topic_tags @> '[\"urgent\"]'::jsonb",
    ),
    C(
        "select_tag",
        "frustrated moments this week",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"frustrated\"]'::jsonb AND {{resource_timestamp}}",
        [
            "SELECT * FROM moments WHERE key_emotions @> '[\"frustrated\"]'::jsonb AND {{resource_timestamp}}"
        ],
        when=["this week"],
    ),
    C(
        "select_tag",
        "moments with topic ai",
        "SELECT * FROM moments WHERE topic_tags @> '[\"ai\"]'::jsonb",
    ),
    C(
        "select_tag",
        "work tagged moments yesterday",
        "SELECT * FROM moments WHERE topic_tags @> '[\"work\"]'::jsonb AND {{resource_timestamp}}",
        when=["yesterday"],
    ),
    C(
        "select_tag",
        "calm moments",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"calm\"]'::jsonb",
        ["SELECT * FROM moments WHERE key_emotions @> '[\"calm\"]'::jsonb"],
    ),
    C(
        "select_tag",
        "moments tagged kids since march",
        "SELECT * FROM moments WHERE topic_tags @> '[\"kids\"]'::jsonb AND {{resource_timestamp}}",
        when=["since march"],
    ),
    C(
        "select_tag",
        "excited moments recently",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"excited\"]'::jsonb AND {{resource_timestamp}}",
        when=["recently"],
    ),
)

# -- SELECT by category / other fields ---------------------------------------
add(
    C("select_category", "journal entries", "SELECT * FROM resources WHERE category = 'journal'"),
    C(
        "select_category",
        "recipes",
        "SELECT * FROM resources WHERE category = 'recipe'",
        ["SELECT * FROM resources WHERE category = 'recipes'"],
    ),
    C(
        "select_category",
        "diary entries from last week",
        "SELECT * FROM resources WHERE category = 'diary' AND {{created_at}}",
        when=["last week"],
    ),
    C(
        "select_category",
        "my bookmarks",
        "SELECT * FROM resources WHERE category = 'bookmark'",
        ["SELECT * FROM resources WHERE category = 'bookmarks'"],
    ),
    C(
        "select_category",
        "meeting notes category",
        "SELECT * FROM resources WHERE category = 'meeting notes'",
    ),
    C(
        "select_category",
        "articles saved this month",
        "SELECT * FROM resources WHERE category = 'article' AND {{created_at}}",
        ["SELECT * FROM resources WHERE category = 'articles' AND {{created_at}}"],
        when=["this month"],
    ),
    C(
        "select_category",
        "journal entries so far this year",
        "SELECT * FROM resources WHERE category = 'journal' AND {{created_at}}",
        when=["so far this year"],
    ),
    C(
        "select_category",
        "files bigger than 50 mb",
        "SELECT * FROM files WHERE file_size > 50000000",
        ["SELECT * FROM files WHERE file_size > 52428800"],
    ),
    C(
        "select_category",
        "files under 1kb",
        "SELECT * FROM files WHERE file_size < 1000",
        ["SELECT * FROM files WHERE file_size < 1024"],
    ),
    C("select_category", "sessions rated 5", "SELECT * FROM sessions WHERE user_rating = 5"),
    C(
        "select_category",
        "badly rated chats",
        "SELECT * FROM sessions WHERE user_rating <= 2",
        ["SELECT * FROM sessions WHERE user_rating < 3"],
    ),
    C(
        "select_category",
        "sessions with no rating",
        "SELECT * FROM sessions WHERE user_rating IS NULL",
    ),
    C(
        "select_category",
        "unfinished sessions",
        "SELECT * FROM sessions WHERE session_completed_at IS NULL",
    ),
    C(
        "select_category",
        "moments in the kitchen",
        "SELECT * FROM moments WHERE location = 'kitchen'",
    ),
    C(
        "select_category",
        "notes titled weekly review",
        "SELECT * FROM resources WHERE name = 'weekly review'",
        ["SELECT * FROM resources WHERE name ILIKE '%weekly review%'"],
    ),
    C(
        "select_category",
        "resources with names like invoice",
        "SELECT * FROM resources WHERE name ILIKE '%invoice%'",
    ),
    C(
        "select_category",
        "book notes",
        "SELECT * FROM resources WHERE category = 'book'",
        ["SELECT * FROM resources WHERE category = 'books'", 'SEARCH "book notes" IN resources'],
    ),
    C("select_category", "json files", "SELECT * FROM files WHERE mime_type = 'application/json'"),
    C(
        "select_category",
        "ideas category created in q2",
        "SELECT * FROM resources WHERE category = 'ideas' AND {{created_at}}",
        when=["q2"],
    ),
    C(
        "select_category",
        "sessions from the web channel",
        "SELECT * FROM sessions WHERE channel_type = 'web'",
    ),
)

# -- SELECT with ORDER BY / LIMIT --------------------------------------------
add(
    C(
        "select_order",
        "my 3 latest notes",
        "SELECT * FROM resources ORDER BY created_at DESC LIMIT 3",
    ),
    C(
        "select_order",
        "last 10 uploads",
        "SELECT * FROM files ORDER BY upload_timestamp DESC LIMIT 10",
    ),
    C(
        "select_order",
        "newest 5 meetings",
        "SELECT * FROM moments WHERE moment_type = 'meeting' ORDER BY resource_timestamp DESC LIMIT 5",
    ),
    C(
        "select_order",
        "oldest files",
        "SELECT * FROM files ORDER BY upload_timestamp ASC",
        ["SELECT * FROM files ORDER BY upload_timestamp"],
    ),
    C("select_order", "biggest 5 files", "SELECT * FROM files ORDER BY file_size DESC LIMIT 5"),
    C(
        "select_order",
        "most recent session",
        "SELECT * FROM sessions ORDER BY created_at DESC LIMIT 1",
    ),
    C(
        "select_order",
        "top rated sessions",
        "SELECT * FROM sessions ORDER BY user_rating DESC",
        ["SELECT * FROM sessions ORDER BY user_rating DESC LIMIT 10"],
    ),
    C(
        "select_order",
        "20 most recent moments",
        "SELECT * FROM moments ORDER BY resource_timestamp DESC LIMIT 20",
    ),
    C(
        "select_order",
        "notes sorted by update time, newest first",
        "SELECT * FROM resources ORDER BY updated_at DESC",
    ),
    C(
        "select_order",
        "latest 3 journal entries",
        "SELECT * FROM resources WHERE category = 'journal' ORDER BY created_at DESC LIMIT 3",
    ),
    C(
        "select_order",
        "last 5 completed sessions",
        "SELECT * FROM sessions WHERE session_completed_at IS NOT NULL "
        "ORDER BY session_completed_at DESC LIMIT 5",
        ["SELECT * FROM sessions ORDER BY session_completed_at DESC LIMIT 5"],
    ),
    C(
        "select_order",
        "smallest files first",
        "SELECT * FROM files ORDER BY file_size ASC",
        ["SELECT * FROM files ORDER BY file_size"],
    ),
    C(
        "select_order",
        "first 10 notes ever",
        "SELECT * FROM resources ORDER BY created_at ASC LIMIT 10",
        ["SELECT * FROM resources ORDER BY created_at LIMIT 10"],
    ),
    C(
        "select_order",
        "latest pdf upload",
        "SELECT * FROM files WHERE mime_type = 'application/pdf' "
        "ORDER BY upload_timestamp DESC LIMIT 1",
    ),
    C(
        "select_order",
        "5 newest uploads from last week",
        "SELECT * FROM files WHERE {{upload_timestamp}} ORDER BY upload_timestamp DESC LIMIT 5",
        when=["last week"],
    ),
    C(
        "select_order",
        "latest coding moments",
        "SELECT * FROM moments WHERE moment_type = 'coding' ORDER BY resource_timestamp DESC",
    ),
)

# -- SELECT: time only -------------------------------------------------------
add(
    C(
        "select_time",
        "what did i do yesterday",
        "SELECT * FROM moments WHERE {{resource_timestamp}}",
        when=["yesterday"],
    ),
    C(
        "select_time",
        "notes from this week",
        "SELECT * FROM resources WHERE {{created_at}}",
        when=["this week"],
    ),
    C(
        "select_time",
        "everything from last weekend",
        "SELECT * FROM resources WHERE {{created_at}}",
        ["SELECT * FROM moments WHERE {{resource_timestamp}}"],
        when=["last weekend"],
    ),
    C(
        "select_time",
        "moments from 2 weeks ago",
        "SELECT * FROM moments WHERE {{resource_timestamp}}",
        when=["2 weeks ago"],
    ),
    C(
        "select_time",
        "notes written in the past 24 hours",
        "SELECT * FROM resources WHERE {{created_at}}",
        when=["past 24 hours"],
    ),
    C(
        "select_time",
        "uploads in march 2025",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["march 2025"],
    ),
    C(
        "select_time",
        "sessions this afternoon",
        "SELECT * FROM sessions WHERE {{created_at}}",
        when=["this afternoon"],
    ),
    C(
        "select_time",
        "what happened tonight",
        "SELECT * FROM moments WHERE {{resource_timestamp}}",
        when=["tonight"],
    ),
    C(
        "select_time",
        "files from before 2024",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["before 2024"],
    ),
    C(
        "select_time",
        "notes after june 2025",
        "SELECT * FROM resources WHERE {{created_at}}",
        when=["after june 2025"],
    ),
    C(
        "select_time",
        "moments between march and may 2026",
        "SELECT * FROM moments WHERE {{resource_timestamp}}",
        when=["between march and may 2026"],
    ),
    C(
        "select_time",
        "moments earlier this week",
        "SELECT * FROM moments WHERE {{resource_timestamp}}",
        when=["earlier this week"],
    ),
    C(
        "select_time",
        "my chats from last quarter",
        "SELECT * FROM sessions WHERE {{created_at}}",
        when=["last quarter"],
    ),
    C(
        "select_time",
        "notes year to date",
        "SELECT * FROM resources WHERE {{created_at}}",
        when=["year to date"],
    ),
    C(
        "select_time",
        "moments on monday",
        "SELECT * FROM moments WHERE {{resource_timestamp}}",
        when=["on monday"],
    ),
    C(
        "select_time",
        "uploads in the last 7 days",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["in the last 7 days"],
    ),
)

# -- TRAVERSE ----------------------------------------------------------------
add(
    C(
        "traverse",
        "who reports to priya",
        'TRAVERSE reports-to WITH LOOKUP "Priya" DEPTH 1',
        ['TRAVERSE reports-to WITH LOOKUP "priya" DEPTH 1'],
    ),
    C("traverse", "who does Marcus manage", 'TRAVERSE manages WITH LOOKUP "Marcus" DEPTH 1'),
    C("traverse", "Olivia's manager", 'TRAVERSE reports-to WITH LOOKUP "Olivia" DEPTH 1'),
    C(
        "traverse",
        "everything connected to project atlas",
        'TRAVERSE WITH LOOKUP "Project Atlas" DEPTH 1',
        ['TRAVERSE WITH LOOKUP "Atlas" DEPTH 1', 'TRAVERSE WITH LOOKUP "project atlas" DEPTH 1'],
    ),
    C("traverse", "Ben's reports and their reports", 'TRAVERSE manages WITH LOOKUP "Ben" DEPTH 2'),
    C(
        "traverse",
        "who works with Lena",
        'TRAVERSE works-with WITH LOOKUP "Lena" DEPTH 1',
        ['TRAVERSE WITH LOOKUP "Lena" DEPTH 1'],
    ),
    C("traverse", "what edges does Hermes have", 'TRAVERSE WITH LOOKUP "Hermes" DEPTH 0'),
    C("traverse", "show the graph around kenji, 3 hops", 'TRAVERSE WITH LOOKUP "Kenji" DEPTH 3'),
    C(
        "traverse",
        "people related to the churn analysis",
        'TRAVERSE WITH SEARCH "churn analysis" DEPTH 1',
    ),
    C(
        "traverse",
        "who authored docs about the data platform",
        'TRAVERSE authored WITH SEARCH "data platform" DEPTH 1',
        ['TRAVERSE WITH SEARCH "data platform" DEPTH 1'],
    ),
    C("traverse", "projects owned by Carla", 'TRAVERSE owns WITH LOOKUP "Carla" DEPTH 1'),
    C(
        "traverse",
        "who is on the platform team",
        'TRAVERSE member-of WITH LOOKUP "platform team" DEPTH 1',
        [
            'TRAVERSE WITH LOOKUP "platform team" DEPTH 1',
            'TRAVERSE has-member WITH LOOKUP "platform team" DEPTH 1',
        ],
    ),
    C(
        "traverse",
        "sam's manager's manager",
        'TRAVERSE reports-to WITH LOOKUP "Sam" DEPTH 2',
        ['TRAVERSE reports-to WITH LOOKUP "sam" DEPTH 2'],
    ),
    C(
        "traverse",
        "who reports to or manages Omar",
        'TRAVERSE reports-to,manages WITH LOOKUP "Omar" DEPTH 1',
        ['TRAVERSE manages,reports-to WITH LOOKUP "Omar" DEPTH 1'],
    ),
    C(
        "traverse",
        "things linked to the onboarding docs",
        'TRAVERSE WITH SEARCH "onboarding" DEPTH 1',
        ['TRAVERSE WITH SEARCH "onboarding docs" DEPTH 1'],
    ),
    C("traverse", "whos in Mei's team 2 levels down", 'TRAVERSE manages WITH LOOKUP "Mei" DEPTH 2'),
    C(
        "traverse",
        "who mentored jonas",
        'TRAVERSE mentored WITH LOOKUP "Jonas" DEPTH 1',
        [
            'TRAVERSE mentors WITH LOOKUP "Jonas" DEPTH 1',
            'TRAVERSE mentored-by WITH LOOKUP "Jonas" DEPTH 1',
        ],
    ),
    C("traverse", "relationships of Acme Corp", 'TRAVERSE WITH LOOKUP "Acme Corp" DEPTH 1'),
)

# -- FUZZY -------------------------------------------------------------------
add(
    C("fuzzy", "something like kubernetis", 'FUZZY "kubernetis"'),
    C("fuzzy", "anything named postgress", 'FUZZY "postgress"'),
    C("fuzzy", "a person called jonathon or similar", 'FUZZY "jonathon"'),
    C("fuzzy", "fuzzy match elastisearch", 'FUZZY "elastisearch"'),
    C("fuzzy", "names similar to 'mcdonald'", 'FUZZY "mcdonald"'),
    C("fuzzy", "spelled something like Schwarzenager", 'FUZZY "Schwarzenager"'),
    C("fuzzy", "files named like reprot", 'FUZZY "reprot" IN files'),
    C("fuzzy", "i think the project was called zephir", 'FUZZY "zephir"'),
    C("fuzzy", "close matches to tensorflwo, top 5", 'FUZZY "tensorflwo" LIMIT 5'),
    C("fuzzy", "moments named something like standup", 'FUZZY "standup" IN moments'),
)

# -- Non-UTC time zones (rem profile) ----------------------------------------
NY, BER, IST, SYD = "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney"
add(
    C(
        "tz",
        "notes about hiring from last week",
        'SEARCH "hiring" IN resources WHERE {{created_at}}',
        when=["last week"],
        tz=NY,
    ),
    C(
        "tz",
        "meetings today",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        when=["today"],
        tz=BER,
    ),
    C(
        "tz",
        "uploads yesterday",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["yesterday"],
        tz=IST,
    ),
    C(
        "tz",
        "sessions this morning",
        "SELECT * FROM sessions WHERE {{created_at}}",
        when=["this morning"],
        tz=SYD,
    ),
    C(
        "tz",
        "docs edited this month",
        "SELECT * FROM resources WHERE {{updated_at}}",
        when=["this month"],
        tz=NY,
    ),
    C(
        "tz",
        "conversations over the weekend",
        "SELECT * FROM moments WHERE moment_type = 'conversation' AND {{resource_timestamp}}",
        when=["over the weekend"],
        tz=BER,
    ),
    C(
        "tz",
        "notes on kafka in the past 24 hours",
        'SEARCH "kafka" IN resources WHERE {{created_at}}',
        when=["past 24 hours"],
        tz=IST,
    ),
    C(
        "tz",
        "moments tagged work since tuesday",
        "SELECT * FROM moments WHERE topic_tags @> '[\"work\"]'::jsonb AND {{resource_timestamp}}",
        when=["since tuesday"],
        tz=NY,
    ),
    C(
        "tz",
        "my latest 3 uploads this week",
        "SELECT * FROM files WHERE {{upload_timestamp}} ORDER BY upload_timestamp DESC LIMIT 3",
        when=["this week"],
        tz=SYD,
    ),
    C(
        "tz",
        "sessions completed last month",
        "SELECT * FROM sessions WHERE {{session_completed_at}}",
        when=["last month"],
        tz=BER,
    ),
    C(
        "tz",
        "anything about budgets in q3",
        'SEARCH "budgets" IN resources WHERE {{created_at}}',
        when=["q3"],
        tz=NY,
    ),
    C(
        "tz",
        "coding moments yesterday afternoon",
        "SELECT * FROM moments WHERE moment_type = 'coding' AND {{resource_timestamp}}",
        when=["yesterday afternoon"],
        tz=IST,
    ),
    # New York moved to summer time on 2026-03-08: last week's two ends have different offsets.
    C(
        "tz",
        "notes from last week",
        "SELECT * FROM resources WHERE {{created_at}}",
        when=["last week"],
        tz=NY,
        now=N_DST,
    ),
    C(
        "tz",
        "meetings in the past 7 days",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        when=["past 7 days"],
        tz=NY,
        now=N_DST,
    ),
    C(
        "tz",
        "files uploaded over the weekend",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["over the weekend"],
        tz=NY,
        now=N_DST,
    ),
    C(
        "tz",
        "journal entries this year",
        "SELECT * FROM resources WHERE category = 'journal' AND {{created_at}}",
        when=["this year"],
        tz=SYD,
        now=N_TUE,
    ),
    C(
        "tz",
        "docs on the launch last month",
        'SEARCH "launch" IN resources WHERE {{created_at}}',
        when=["last month"],
        tz=BER,
        now=N_TUE,
    ),
    C(
        "tz",
        "reflections last week",
        "SELECT * FROM moments WHERE moment_type = 'reflection' AND {{resource_timestamp}}",
        when=["last week"],
        tz=IST,
        now=N_MON,
    ),
)

# -- Other reference times (UTC) ----------------------------------------------
add(
    C(
        "other_now",
        "notes from last month",
        "SELECT * FROM resources WHERE {{created_at}}",
        when=["last month"],
        now=N_MON,
    ),
    C(
        "other_now",
        "meetings yesterday",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        when=["yesterday"],
        now=N_MON,
    ),
    C(
        "other_now",
        "docs about okrs last quarter",
        'SEARCH "okrs" IN resources WHERE {{created_at}}',
        when=["last quarter"],
        now=N_MON,
    ),
    C(
        "other_now",
        "uploads in december",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["in december"],
        now=N_MON,
    ),
    C(
        "other_now",
        "notes from last year",
        "SELECT * FROM resources WHERE {{created_at}}",
        when=["last year"],
        now=N_TUE,
    ),
    C(
        "other_now",
        "moments last week",
        "SELECT * FROM moments WHERE {{resource_timestamp}}",
        when=["last week"],
        now=N_TUE,
    ),
    C(
        "other_now",
        "budget docs this quarter",
        'SEARCH "budget" IN resources WHERE {{created_at}}',
        when=["this quarter"],
        now=N_TUE,
    ),
    C(
        "other_now",
        "sessions from the past 3 days",
        "SELECT * FROM sessions WHERE {{created_at}}",
        when=["past 3 days"],
        now=N_TUE,
    ),
    C(
        "other_now",
        "notes from the past month",
        "SELECT * FROM resources WHERE {{created_at}}",
        when=["past month"],
        now=N_LEAP,
    ),
    C(
        "other_now",
        "files uploaded last month",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["last month"],
        now=N_LEAP,
    ),
    C(
        "other_now",
        "moments on friday",
        "SELECT * FROM moments WHERE {{resource_timestamp}}",
        when=["on friday"],
        now=N_LEAP,
    ),
    C(
        "other_now",
        "what did i learn this month",
        "SELECT * FROM moments WHERE moment_type = 'learning' AND {{resource_timestamp}}",
        when=["this month"],
        now=N_LEAP,
    ),
    C(
        "other_now",
        "notes about the move in q4 2027",
        'SEARCH "move" IN resources WHERE {{created_at}}',
        when=["q4 2027"],
        now=N_LEAP,
    ),
    C(
        "other_now",
        "diary since january",
        "SELECT * FROM resources WHERE category = 'diary' AND {{created_at}}",
        when=["since january"],
        now=N_LEAP,
    ),
    C(
        "other_now",
        "chats that ended last weekend",
        "SELECT * FROM sessions WHERE {{session_completed_at}}",
        when=["last weekend"],
        now=N_TUE,
    ),
    C(
        "other_now",
        "happy moments yesterday",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"happy\"]'::jsonb AND {{resource_timestamp}}",
        when=["yesterday"],
        now=N_TUE,
    ),
)

# -- p8fs profile --------------------------------------------------------------
P = "p8fs"
add(
    C(
        "p8fs",
        "notes about kafka last week",
        'SEARCH "kafka" IN resources',
        when=["last week"],
        profile=P,
    ),
    C("p8fs", "docs on the migration", 'SEARCH "migration" IN resources', profile=P),
    C(
        "p8fs",
        "meetings about hiring yesterday",
        'SEARCH "hiring" IN moments',
        [
            'SEARCH "hiring meetings" IN moments',
            'SEARCH "meetings about hiring" IN moments',
            "SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        ],
        when=["yesterday"],
        profile=P,
    ),
    C("p8fs", "something like elastisearch", 'SEARCH "elastisearch" IN resources', profile=P),
    C("p8fs", "top 3 docs on caching", 'SEARCH "caching" IN resources', profile=P),
    C(
        "p8fs",
        "meetings this week",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        when=["this week"],
        profile=P,
    ),
    C(
        "p8fs",
        "my 5 newest uploads",
        "SELECT * FROM files ORDER BY upload_timestamp DESC LIMIT 5",
        profile=P,
    ),
    C("p8fs", "who reports to Nadia", 'TRAVERSE reports-to WITH LOOKUP "Nadia" DEPTH 1', profile=P),
    C(
        "p8fs",
        "moments tagged family this month",
        "SELECT * FROM moments WHERE topic_tags @> '[\"family\"]'::jsonb AND {{resource_timestamp}}",
        when=["this month"],
        profile=P,
    ),
    C(
        "p8fs",
        "pricing notes updated yesterday",
        'SEARCH "pricing" IN resources',
        ["SELECT * FROM resources WHERE {{updated_at}}"],
        when=["yesterday"],
        profile=P,
    ),
    C(
        "p8fs",
        "files uploaded today",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["today"],
        profile=P,
    ),
    C("p8fs", "anything called kuberntes", 'SEARCH "kuberntes" IN resources', profile=P),
    C(
        "p8fs",
        "research on rag from last month",
        'SEARCH "rag" IN resources',
        when=["last month"],
        profile=P,
    ),
    C("p8fs", "journal entries", "SELECT * FROM resources WHERE category = 'journal'", profile=P),
    C(
        "p8fs",
        "people connected to the api docs",
        'TRAVERSE WITH SEARCH "api docs" DEPTH 1',
        ['TRAVERSE WITH SEARCH "api" DEPTH 1'],
        profile=P,
    ),
    C("p8fs", "sessions rated below 3", "SELECT * FROM sessions WHERE user_rating < 3", profile=P),
    C(
        "p8fs",
        "notes on kafka in the past 2 weeks",
        'SEARCH "kafka" IN resources',
        when=["past 2 weeks"],
        tz=NY,
        profile=P,
    ),
    C(
        "p8fs",
        "conversations with priya",
        'SEARCH "priya" IN moments',
        ['SEARCH "conversations with priya" IN moments', 'SEARCH "Priya" IN moments'],
        profile=P,
    ),
    C(
        "p8fs",
        "coding moments yesterday",
        "SELECT * FROM moments WHERE moment_type = 'coding' AND {{resource_timestamp}}",
        when=["yesterday"],
        tz=BER,
        profile=P,
    ),
    C("p8fs", "who does Olivia manage", 'TRAVERSE manages WITH LOOKUP "Olivia" DEPTH 1', profile=P),
    C(
        "p8fs",
        "latest 3 sessions",
        "SELECT * FROM sessions ORDER BY created_at DESC LIMIT 3",
        profile=P,
    ),
    C(
        "p8fs",
        "planning moments about quarterly goals",
        'SEARCH "quarterly goals" IN moments',
        ["SELECT * FROM moments WHERE moment_type = 'planning'"],
        profile=P,
    ),
    C("p8fs", "files named like reprot", 'SEARCH "reprot" IN files', profile=P),
    C(
        "p8fs",
        "pdfs uploaded last week",
        "SELECT * FROM files WHERE mime_type = 'application/pdf' AND {{upload_timestamp}}",
        when=["last week"],
        now=N_MON,
        profile=P,
    ),
)

# -- Sloppy typing, questions, commands ----------------------------------------
add(
    C("sloppy", "notes abt docker compose", 'SEARCH "docker compose" IN resources'),
    C(
        "sloppy",
        "meetngs last wk?",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        when=["last week"],
    ),
    C(
        "sloppy",
        "pls find my notes on the team okrs",
        'SEARCH "team okrs" IN resources',
        ['SEARCH "okrs" IN resources'],
    ),
    C(
        "sloppy",
        "can you show me files i uploaded yesterday",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["yesterday"],
    ),
    C("sloppy", "WHO IS ANNA SCHMIDT", 'LOOKUP "Anna Schmidt"', ['LOOKUP "ANNA SCHMIDT"']),
    C("sloppy", "kafka???", 'SEARCH "kafka" IN resources'),
    C("sloppy", "i need the doc about sso setup", 'SEARCH "sso setup" IN resources'),
    C("sloppy", "where did i put the lease agreement", 'SEARCH "lease agreement" IN resources'),
    C(
        "sloppy",
        "uploads  today  pdf",
        "SELECT * FROM files WHERE mime_type = 'application/pdf' AND {{upload_timestamp}}",
        when=["today"],
    ),
    C(
        "sloppy",
        "delete all files from last month",
        "SELECT * FROM files WHERE {{upload_timestamp}}",
        when=["last month"],
    ),
    C(
        "sloppy",
        "remove meetings tagged spam",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND topic_tags @> '[\"spam\"]'::jsonb",
    ),
    C(
        "sloppy",
        "hey what was that convo about the lease",
        "SEARCH \"lease\" IN moments WHERE moment_type = 'conversation'",
    ),
    C(
        "sloppy",
        "notes on machin lerning",
        'SEARCH "machine learning" IN resources',
        ['SEARCH "machin lerning" IN resources'],
    ),
    C(
        "sloppy",
        "show me evrything about project atlas",
        'SEARCH "project atlas" IN resources',
        ['LOOKUP "Project Atlas"', 'TRAVERSE WITH LOOKUP "Project Atlas" DEPTH 1'],
    ),
    C("sloppy", "list sessions", "SELECT * FROM sessions"),
    C("sloppy", "all files", "SELECT * FROM files"),
    C(
        "sloppy",
        "did i write anything about japan last year",
        'SEARCH "japan" IN resources WHERE {{created_at}}',
        when=["last year"],
    ),
    C(
        "sloppy",
        "meeting notes w/ finance team yesterday",
        "SEARCH \"finance team\" IN moments WHERE moment_type = 'meeting' AND {{resource_timestamp}}",
        when=["yesterday"],
    ),
    C(
        "sloppy",
        "any docs re onboarding from this week",
        'SEARCH "onboarding" IN resources WHERE {{created_at}}',
        when=["this week"],
    ),
    C(
        "sloppy",
        "whats new today",
        "SELECT * FROM resources WHERE {{created_at}}",
        ["SELECT * FROM moments WHERE {{resource_timestamp}}"],
        when=["today"],
    ),
)


def build() -> list[dict[str, object]]:
    counters: dict[str, int] = {}
    out = []
    for case in CASES:
        counters[case.category] = counters.get(case.category, 0) + 1
        out.append(case.render(counters[case.category]))
    return out


def main() -> int:
    rows = build()
    OUT.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    print(f"wrote {len(rows)} cases to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
