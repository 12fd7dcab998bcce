"""Write eval/fresh.jsonl: search-bar requests written apart from the training-data
generator and the dev set, to measure a model on phrasings it has never seen.

Every date literal comes from the independent calendar (`rem_agent.train.calendar`),
never from `rem_agent.dates`, the resolver under test. A reference query writes a time
condition as a placeholder `{i:field}`: the i-th date phrase of the case on that field.
Every reference is checked to be valid canonical REM in its profile before writing.

    python eval/make_fresh.py        # rewrites eval/fresh.jsonl
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rem_agent.rem import Profile, check_rem
from rem_agent.train.calendar import condition, literals

OUT = Path(__file__).resolve().parent / "fresh.jsonl"

# Reference moments (naive wall time in the case's zone) and their weekdays.
THU = "2026-11-26T10:30:00"  # Thursday, the REM.md reference
MON = "2027-03-01T08:15:00"  # Monday, first of a month and of a quarter
SUN = "2026-06-14T21:40:00"  # Sunday evening
NYE = "2025-12-31T16:05:00"  # Wednesday, last day of a year
LEAP = "2028-02-29T12:00:00"  # Tuesday, leap day
DST = "2026-03-30T09:00:00"  # Monday after Europe's switch to summer time


@dataclass
class Case:
    category: str
    nl: str
    expected: str
    accept: tuple[str, ...] = ()
    now: str = THU
    tz: str = "UTC"
    profile: str = "rem"
    dates: tuple[str, ...] = field(default=())


class _Bounds:
    """A resolved phrase; `{i:field}` in a template formats as its REM condition."""

    def __init__(self, bounds: tuple[str | None, str | None]) -> None:
        self.bounds = bounds

    def __format__(self, field_name: str) -> str:
        return condition(field_name, self.bounds)


def C(category: str, nl: str, expected: str, *accept: str, **kw: object) -> Case:
    dates = kw.pop("dates", ())
    if isinstance(dates, str):
        dates = (dates,)
    return Case(category, nl, expected, tuple(accept), dates=tuple(dates), **kw)  # type: ignore[arg-type]


def _lookup(name: str, typed: str | None = None) -> tuple[str, ...]:
    """LOOKUP of a Title Case name, and the form as typed when it differs."""
    out = [f'LOOKUP "{name}"']
    if typed is not None and typed != name:
        out.append(f'LOOKUP "{typed}"')
    return tuple(out)


CASES: list[Case] = [
    # ---- lookup: one entity -------------------------------------------------------
    C("lookup", "who is priya raghunathan", *_lookup("Priya Raghunathan", "priya raghunathan")),
    C("lookup", "Tomasz Wiśniewski", *_lookup("Tomasz Wiśniewski"), now=MON),
    C("lookup", "who's oluwaseun adeyemi?", *_lookup("Oluwaseun Adeyemi", "oluwaseun adeyemi")),
    C("lookup", "ingrid haugland", *_lookup("Ingrid Haugland", "ingrid haugland"), now=SUN),
    C("lookup", "who exactly is Hiroshi Tanaka", *_lookup("Hiroshi Tanaka"), tz="Asia/Tokyo"),
    C("lookup", "pull up Fatima Al-Masri", *_lookup("Fatima Al-Masri"), now=NYE),
    C(
        "lookup",
        "project bluebird",
        *_lookup("Project Bluebird", "project bluebird"),
        'LOOKUP "Bluebird"',
    ),
    C(
        "lookup",
        "what is the data platform team",
        *_lookup("Data Platform Team", "data platform team"),
        'LOOKUP "Data Platform"',
        now=LEAP,
    ),
    C("lookup", "Who is Nguyễn Thị Mai?", *_lookup("Nguyễn Thị Mai")),
    C("lookup", "northwind traders", *_lookup("Northwind Traders", "northwind traders"), now=MON),
    C("lookup", "whos joão pereira", *_lookup("João Pereira", "joão pereira")),
    # ---- lookup_multi: several entities --------------------------------------------
    C(
        "lookup_multi",
        "show me anika, rahul and mei",
        'LOOKUP "Anika", "Rahul", "Mei"',
        'LOOKUP "anika", "rahul", "mei"',
    ),
    C(
        "lookup_multi",
        "who are Lars Nilsson and Chiara Bianchi",
        'LOOKUP "Lars Nilsson", "Chiara Bianchi"',
        now=SUN,
    ),
    C(
        "lookup_multi",
        "kwame mensah, dmitri volkov",
        'LOOKUP "Kwame Mensah", "Dmitri Volkov"',
        'LOOKUP "kwame mensah", "dmitri volkov"',
        now=NYE,
    ),
    C(
        "lookup_multi",
        "look up Aisha, Bogdan, Camille and Diego",
        'LOOKUP "Aisha", "Bogdan", "Camille", "Diego"',
    ),
    C(
        "lookup_multi",
        "who r yuki sato and emre demir",
        'LOOKUP "Yuki Sato", "Emre Demir"',
        'LOOKUP "yuki sato", "emre demir"',
        now=LEAP,
        tz="Asia/Kolkata",
    ),
    C(
        "lookup_multi",
        "Siobhan O'Connor and Rafael Ortiz",
        'LOOKUP "Siobhan O\'Connor", "Rafael Ortiz"',
        now=MON,
    ),
    # ---- search: a topic -------------------------------------------------------------
    C("search", "notes on sourdough starter", 'SEARCH "sourdough starter" IN resources'),
    C(
        "search",
        "anything about the kafka migration",
        'SEARCH "kafka migration" IN resources',
        now=MON,
    ),
    C(
        "search",
        "find docs about gdpr data retention",
        'SEARCH "gdpr data retention" IN resources',
    ),
    C(
        "search",
        "chats about rust lifetimes",
        'SEARCH "rust lifetimes" IN sessions',
        now=SUN,
    ),
    C(
        "search",
        "uploads about the apartment lease",
        'SEARCH "apartment lease" IN files',
        tz="Europe/Berlin",
    ),
    C(
        "search",
        "articles i saved on intermittent fasting",
        'SEARCH "intermittent fasting" IN resources',
        now=NYE,
    ),
    C(
        "search",
        "show me stuff on vector databases",
        'SEARCH "vector databases" IN resources',
    ),
    C(
        "search",
        "moments about moving to lisbon",
        'SEARCH "moving to lisbon" IN moments',
        now=LEAP,
    ),
    C(
        "search",
        "meetings about the q-score redesign",
        "SEARCH \"q-score redesign\" IN moments WHERE moment_type = 'meeting'",
    ),
    C(
        "search",
        "conversations about the wedding budget",
        "SEARCH \"wedding budget\" IN moments WHERE moment_type = 'conversation'",
        now=MON,
    ),
    C(
        "search",
        "reflections on burnout",
        "SEARCH \"burnout\" IN moments WHERE moment_type = 'reflection'",
        tz="America/New_York",
    ),
    C(
        "search",
        "chat sessions where i asked about pandas groupby",
        'SEARCH "pandas groupby" IN sessions',
    ),
    C(
        "search",
        "documents mentioning the onboarding checklist",
        'SEARCH "onboarding checklist" IN resources',
        now=SUN,
    ),
    # ---- search_time: a topic and a time -------------------------------------------
    C(
        "search_time",
        "notes about the offsite from last week",
        'SEARCH "offsite" IN resources WHERE {0:created_at}',
        dates="last week",
    ),
    C(
        "search_time",
        "docs on pricing experiments this month",
        'SEARCH "pricing experiments" IN resources WHERE {0:created_at}',
        dates="this month",
        now=MON,
    ),
    C(
        "search_time",
        "what did i write about sleep in march",
        'SEARCH "sleep" IN resources WHERE {0:created_at}',
        dates="in march",
    ),
    C(
        "search_time",
        "chats about terraform from yesterday",
        'SEARCH "terraform" IN sessions WHERE {0:created_at}',
        dates="yesterday",
        now=SUN,
    ),
    C(
        "search_time",
        "meetings about hiring last month",
        "SEARCH \"hiring\" IN moments WHERE moment_type = 'meeting' AND {0:resource_timestamp}",
        dates="last month",
    ),
    C(
        "search_time",
        "conversations about the roadmap in the past 2 weeks",
        "SEARCH \"roadmap\" IN moments WHERE moment_type = 'conversation' AND "
        "{0:resource_timestamp}",
        dates="past 2 weeks",
        now=NYE,
    ),
    C(
        "search_time",
        "uploads related to invoices since january",
        'SEARCH "invoices" IN files WHERE {0:upload_timestamp}',
        dates="since january",
        now=LEAP,
    ),
    C(
        "search_time",
        "notes on battery chemistry from 2025",
        'SEARCH "battery chemistry" IN resources WHERE {0:created_at}',
        dates="2025",
        now=MON,
    ),
    C(
        "search_time",
        "notes about the garden lately",
        'SEARCH "garden" IN resources WHERE {0:created_at}',
        dates="lately",
        now=SUN,
    ),
    C(
        "search_time",
        "anything on accessibility audits in q3",
        'SEARCH "accessibility audits" IN resources WHERE {0:created_at}',
        dates="q3",
    ),
    C(
        "search_time",
        "reflections on parenting over the weekend",
        "SEARCH \"parenting\" IN moments WHERE moment_type = 'reflection' AND "
        "{0:resource_timestamp}",
        dates="over the weekend",
        now=MON,
    ),
    C(
        "search_time",
        "stuff about the tax return before 2025",
        'SEARCH "tax return" IN resources WHERE {0:created_at}',
        dates="before 2025",
    ),
    C(
        "search_time",
        "chats about graphql in the last 10 days",
        'SEARCH "graphql" IN sessions WHERE {0:created_at}',
        dates="in the last 10 days",
        now=LEAP,
    ),
    # ---- named_time: a time field the request names ----------------------------------
    C(
        "named_time",
        "docs edited last week",
        "SELECT * FROM resources WHERE {0:updated_at}",
        dates="last week",
    ),
    C(
        "named_time",
        "notes i updated yesterday",
        "SELECT * FROM resources WHERE {0:updated_at}",
        dates="yesterday",
        now=MON,
    ),
    C(
        "named_time",
        "files uploaded this week",
        "SELECT * FROM files WHERE {0:upload_timestamp}",
        dates="this week",
        now=SUN,
    ),
    C(
        "named_time",
        "chats completed today",
        "SELECT * FROM sessions WHERE {0:session_completed_at}",
        dates="today",
    ),
    C(
        "named_time",
        "sessions that finished in the past 3 days",
        "SELECT * FROM sessions WHERE {0:session_completed_at}",
        dates="past 3 days",
        now=NYE,
    ),
    C(
        "named_time",
        "documents modified since monday",
        "SELECT * FROM resources WHERE {0:updated_at}",
        dates="since monday",
    ),
    C(
        "named_time",
        "notes about the grant proposal changed this month",
        'SEARCH "grant proposal" IN resources WHERE {0:updated_at}',
        dates="this month",
        now=LEAP,
    ),
    C(
        "named_time",
        "files updated in the last 7 days",
        "SELECT * FROM files WHERE {0:updated_at}",
        dates="in the last 7 days",
        now=MON,
    ),
    C(
        "named_time",
        "meetings that ended yesterday afternoon",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {0:resource_ends_timestamp}",
        dates="yesterday afternoon",
    ),
    C(
        "named_time",
        "notes created in 2026",
        "SELECT * FROM resources WHERE {0:created_at}",
        dates="in 2026",
        now=SUN,
    ),
    # ---- select_type: moment kinds and mime types ------------------------------------
    C("select_type", "all my pdfs", "SELECT * FROM files WHERE mime_type = 'application/pdf'"),
    C(
        "select_type",
        "png screenshots i uploaded",
        "SELECT * FROM files WHERE mime_type = 'image/png'",
        now=MON,
    ),
    C(
        "select_type",
        "csv files",
        "SELECT * FROM files WHERE mime_type = 'text/csv'",
        now=NYE,
    ),
    C(
        "select_type",
        "list every reflection",
        "SELECT * FROM moments WHERE moment_type = 'reflection'",
    ),
    C(
        "select_type",
        "meetings i was in yesterday",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {0:resource_timestamp}",
        dates="yesterday",
        now=LEAP,
    ),
    C(
        "select_type",
        "social events last weekend",
        "SELECT * FROM moments WHERE moment_type = 'social' AND {0:resource_timestamp}",
        dates="last weekend",
        now=MON,
    ),
    C(
        "select_type",
        "observations from this morning",
        "SELECT * FROM moments WHERE moment_type = 'observation' AND {0:resource_timestamp}",
        dates="this morning",
    ),
    C(
        "select_type",
        "problem solving moments",
        "SELECT * FROM moments WHERE moment_type = 'problem_solving'",
        now=SUN,
    ),
    C(
        "select_type",
        "learning moments this quarter",
        "SELECT * FROM moments WHERE moment_type = 'learning' AND {0:resource_timestamp}",
        dates="this quarter",
    ),
    C(
        "select_type",
        "jpeg photos uploaded in october",
        "SELECT * FROM files WHERE mime_type = 'image/jpeg' AND {0:upload_timestamp}",
        dates="in october",
        now=NYE,
    ),
    C(
        "select_type",
        "conversations 2 days ago",
        "SELECT * FROM moments WHERE moment_type = 'conversation' AND {0:resource_timestamp}",
        dates="2 days ago",
    ),
    # ---- select_tag: topic and emotion tags ------------------------------------------
    C(
        "select_tag",
        "moments tagged travel",
        "SELECT * FROM moments WHERE topic_tags @> '[\"travel\"]'::jsonb",
    ),
    C(
        "select_tag",
        "anything tagged Family",
        "SELECT * FROM moments WHERE topic_tags @> '[\"family\"]'::jsonb",
        now=SUN,
    ),
    C(
        "select_tag",
        "when did i feel anxious",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"anxious\"]'::jsonb",
    ),
    C(
        "select_tag",
        "moments where i was grateful last month",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"grateful\"]'::jsonb AND "
        "{0:resource_timestamp}",
        dates="last month",
        now=MON,
    ),
    C(
        "select_tag",
        "stuff tagged health and running",
        'SELECT * FROM moments WHERE topic_tags @> \'["health", "running"]\'::jsonb',
        "SELECT * FROM moments WHERE topic_tags @> '[\"health\"]'::jsonb AND "
        "topic_tags @> '[\"running\"]'::jsonb",
    ),
    C(
        "select_tag",
        "times i felt frustrated this week",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"frustrated\"]'::jsonb AND "
        "{0:resource_timestamp}",
        dates="this week",
        now=LEAP,
    ),
    C(
        "select_tag",
        "moments tagged work since march",
        "SELECT * FROM moments WHERE topic_tags @> '[\"work\"]'::jsonb AND {0:resource_timestamp}",
        dates="since march",
    ),
    C(
        "select_tag",
        "meetings tagged budget",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND "
        "topic_tags @> '[\"budget\"]'::jsonb",
        now=NYE,
    ),
    C(
        "select_tag",
        "happy moments",
        "SELECT * FROM moments WHERE emotion_tags @> '[\"happy\"]'::jsonb",
        now=SUN,
    ),
    # ---- select_category: category, file size, rating ---------------------------------
    C(
        "select_category",
        "show journal entries pls",
        "SELECT * FROM resources WHERE category = 'journal'",
    ),
    C(
        "select_category",
        "my journal entries from yesterday",
        "SELECT * FROM resources WHERE category = 'journal' AND {0:created_at}",
        dates="yesterday",
        now=MON,
    ),
    C(
        "select_category",
        "notes in the recipes category",
        "SELECT * FROM resources WHERE category = 'recipes'",
    ),
    C(
        "select_category",
        "files bigger than 5 MB",
        "SELECT * FROM files WHERE file_size > 5000000",
        "SELECT * FROM files WHERE file_size > 5242880",
        now=SUN,
    ),
    C(
        "select_category",
        "uploads smaller than 1000 bytes",
        "SELECT * FROM files WHERE file_size < 1000",
    ),
    C(
        "select_category",
        "chats i rated 5",
        "SELECT * FROM sessions WHERE user_rating = 5",
        now=NYE,
    ),
    C(
        "select_category",
        "sessions with a rating below 3",
        "SELECT * FROM sessions WHERE user_rating < 3",
    ),
    C(
        "select_category",
        "chats rated at least 4 this month",
        "SELECT * FROM sessions WHERE user_rating >= 4 AND {0:created_at}",
        dates="this month",
        now=LEAP,
    ),
    C(
        "select_category",
        "diary entries in 2025",
        "SELECT * FROM resources WHERE category = 'diary' AND {0:created_at}",
        dates="in 2025",
        now=MON,
    ),
    # ---- select_order: newest, oldest, biggest ---------------------------------------
    C(
        "select_order",
        "latest 5 notes",
        "SELECT * FROM resources ORDER BY created_at DESC LIMIT 5",
    ),
    C(
        "select_order",
        "my 3 newest uploads",
        "SELECT * FROM files ORDER BY upload_timestamp DESC LIMIT 3",
        now=SUN,
    ),
    C(
        "select_order",
        "last 10 chats",
        "SELECT * FROM sessions ORDER BY created_at DESC LIMIT 10",
        now=MON,
    ),
    C(
        "select_order",
        "the oldest file i uploaded",
        "SELECT * FROM files ORDER BY upload_timestamp ASC LIMIT 1",
    ),
    C(
        "select_order",
        "the 3 biggest files",
        "SELECT * FROM files ORDER BY file_size DESC LIMIT 3",
        now=NYE,
    ),
    C(
        "select_order",
        "my latest meeting",
        "SELECT * FROM moments WHERE moment_type = 'meeting' ORDER BY resource_timestamp DESC "
        "LIMIT 1",
    ),
    C(
        "select_order",
        "5 highest rated chats",
        "SELECT * FROM sessions ORDER BY user_rating DESC LIMIT 5",
        now=LEAP,
    ),
    C(
        "select_order",
        "the very first note i wrote",
        "SELECT * FROM resources ORDER BY created_at ASC LIMIT 1",
    ),
    C(
        "select_order",
        "latest 20 moments",
        "SELECT * FROM moments ORDER BY resource_timestamp DESC LIMIT 20",
        now=SUN,
    ),
    # ---- select_time: a time and nothing else ----------------------------------------
    C(
        "select_time",
        "notes from this morning",
        "SELECT * FROM resources WHERE {0:created_at}",
        dates="this morning",
    ),
    C(
        "select_time",
        "what happened on tuesday",
        "SELECT * FROM moments WHERE {0:resource_timestamp}",
        dates="on tuesday",
        now=SUN,
    ),
    C(
        "select_time",
        "moments from last weekend",
        "SELECT * FROM moments WHERE {0:resource_timestamp}",
        dates="last weekend",
    ),
    C(
        "select_time",
        "files from 3 days ago",
        "SELECT * FROM files WHERE {0:upload_timestamp}",
        dates="3 days ago",
        now=MON,
    ),
    C(
        "select_time",
        "chats since friday",
        "SELECT * FROM sessions WHERE {0:created_at}",
        dates="since friday",
        now=NYE,
    ),
    C(
        "select_time",
        "all notes from q1 2026",
        "SELECT * FROM resources WHERE {0:created_at}",
        dates="q1 2026",
    ),
    C(
        "select_time",
        "sessions in the past 24 hours",
        "SELECT * FROM sessions WHERE {0:created_at}",
        dates="past 24 hours",
        now=LEAP,
    ),
    C(
        "select_time",
        "moments between march and june 2026",
        "SELECT * FROM moments WHERE {0:resource_timestamp}",
        dates="between march and june 2026",
    ),
    C(
        "select_time",
        "uploads after august 2025",
        "SELECT * FROM files WHERE {0:upload_timestamp}",
        dates="after august 2025",
        now=MON,
    ),
    C(
        "select_time",
        "docs so far this year",
        "SELECT * FROM resources WHERE {0:created_at}",
        dates="so far this year",
        now=SUN,
    ),
    # ---- traverse: graph edges ------------------------------------------------------
    C(
        "traverse",
        "who reports to Ewa Kowalczyk",
        'TRAVERSE reports-to WITH LOOKUP "Ewa Kowalczyk" DEPTH 1',
    ),
    C(
        "traverse",
        "who is ravi's manager",
        'TRAVERSE reports-to WITH LOOKUP "Ravi" DEPTH 1',
        'TRAVERSE reports-to WITH LOOKUP "ravi" DEPTH 1',
        now=MON,
    ),
    C(
        "traverse",
        "who does Matteo Rossi manage?",
        'TRAVERSE manages WITH LOOKUP "Matteo Rossi" DEPTH 1',
    ),
    C(
        "traverse",
        "amara's reports",
        'TRAVERSE manages WITH LOOKUP "Amara" DEPTH 1',
        'TRAVERSE manages WITH LOOKUP "amara" DEPTH 1',
        now=SUN,
    ),
    C(
        "traverse",
        "who works with Lukas Becker",
        'TRAVERSE works-with WITH LOOKUP "Lukas Becker" DEPTH 1',
        tz="Europe/Berlin",
    ),
    C(
        "traverse",
        "everything connected to project halcyon",
        'TRAVERSE WITH LOOKUP "Project Halcyon" DEPTH 1',
        'TRAVERSE WITH LOOKUP "project halcyon" DEPTH 1',
        'TRAVERSE WITH LOOKUP "Halcyon" DEPTH 1',
    ),
    C(
        "traverse",
        "what is connected to Sakura Ito",
        'TRAVERSE WITH LOOKUP "Sakura Ito" DEPTH 1',
        now=NYE,
    ),
    C(
        "traverse",
        "what edges does Gabriel Moreau have",
        'TRAVERSE WITH LOOKUP "Gabriel Moreau" DEPTH 0',
    ),
    C(
        "traverse",
        "show the relationship types for the billing team, dont follow them",
        'TRAVERSE WITH LOOKUP "Billing Team" DEPTH 0',
        'TRAVERSE WITH LOOKUP "billing team" DEPTH 0',
        now=LEAP,
    ),
    C(
        "traverse",
        "everyone who reports to Hannah Schmidt, two levels down",
        'TRAVERSE reports-to WITH LOOKUP "Hannah Schmidt" DEPTH 2',
    ),
    C(
        "traverse",
        "people connected to olga petrova within 2 hops",
        'TRAVERSE WITH LOOKUP "Olga Petrova" DEPTH 2',
        'TRAVERSE WITH LOOKUP "olga petrova" DEPTH 2',
        now=MON,
    ),
    C(
        "traverse",
        "tariq's reports and their reports",
        'TRAVERSE manages WITH LOOKUP "Tariq" DEPTH 2',
        'TRAVERSE manages WITH LOOKUP "tariq" DEPTH 2',
        now=SUN,
    ),
    C(
        "traverse",
        "what's connected to the api design docs",
        'TRAVERSE WITH SEARCH "api design" DEPTH 1',
    ),
    # ---- fuzzy: unsure spelling ------------------------------------------------------
    C("fuzzy", "something like kubernets", 'FUZZY "kubernets"', 'FUZZY "kubernets" IN resources'),
    C(
        "fuzzy",
        "i think it was spelled 'recievables'",
        'FUZZY "recievables"',
        'FUZZY "recievables" IN resources',
        now=MON,
    ),
    C(
        "fuzzy",
        "not sure how to spell it, schopenhaur?",
        'FUZZY "schopenhaur"',
        'FUZZY "schopenhaur" IN resources',
    ),
    C(
        "fuzzy",
        "someone named Katarzyna or Katazyna, not sure",
        'FUZZY "Katazyna"',
        'FUZZY "Katarzyna"',
        'FUZZY "Katazyna" IN resources',
        now=SUN,
    ),
    C(
        "fuzzy",
        "anything like 'postgress tunning'",
        'FUZZY "postgress tunning"',
        'FUZZY "postgress tunning" IN resources',
        now=NYE,
    ),
    C(
        "fuzzy",
        "a file called somthing like quartely_report",
        'FUZZY "quartely_report" IN files',
        'FUZZY "quartely_report"',
        now=LEAP,
    ),
    C(
        "fuzzy",
        "typo tolerant search for 'transfromer'",
        'FUZZY "transfromer"',
        'FUZZY "transfromer" IN resources',
    ),
    # ---- p8fs: what the p8fs profile allows -------------------------------------------
    C("p8fs", "who is Zainab Okafor", 'LOOKUP "Zainab Okafor"', profile="p8fs"),
    C(
        "p8fs",
        "notes on home espresso",
        'SEARCH "home espresso" IN resources',
        profile="p8fs",
        now=MON,
    ),
    C(
        "p8fs",
        "something like kubernets",
        'SEARCH "kubernets" IN resources',
        profile="p8fs",
        now=SUN,
    ),
    C(
        "p8fs",
        "meetings about the reorg",
        'SEARCH "reorg" IN moments',
        profile="p8fs",
    ),
    C(
        "p8fs",
        "who does Ana Lima work with",
        'TRAVERSE WITH LOOKUP "Ana Lima" DEPTH 1',
        profile="p8fs",
        now=NYE,
    ),
    C(
        "p8fs",
        "meetings last week",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {0:resource_timestamp}",
        dates="last week",
        profile="p8fs",
    ),
    C(
        "p8fs",
        "my 5 latest uploads",
        "SELECT * FROM files ORDER BY upload_timestamp DESC LIMIT 5",
        profile="p8fs",
        now=LEAP,
    ),
    C(
        "p8fs",
        "moments tagged drop-off",
        'SEARCH "drop-off" IN moments',
        profile="p8fs",
    ),
    C(
        "p8fs",
        "notes about the budget from last month",
        'SEARCH "budget" IN resources',
        "SELECT * FROM resources WHERE {0:created_at}",
        dates="last month",
        profile="p8fs",
        now=MON,
    ),
    C(
        "p8fs",
        "who reports to Wen Li",
        'TRAVERSE reports-to WITH LOOKUP "Wen Li" DEPTH 1',
        profile="p8fs",
        tz="Asia/Shanghai",
    ),
    C(
        "p8fs",
        "moments tagged gardening",
        "SELECT * FROM moments WHERE topic_tags @> '[\"gardening\"]'::jsonb",
        profile="p8fs",
        now=SUN,
    ),
    # ---- tz: other zones and other reference moments ---------------------------------
    C(
        "tz",
        "notes i took last week",
        "SELECT * FROM resources WHERE {0:created_at}",
        dates="last week",
        tz="America/New_York",
    ),
    C(
        "tz",
        "what meetings did i have today",
        "SELECT * FROM moments WHERE moment_type = 'meeting' AND {0:resource_timestamp}",
        dates="today",
        tz="Asia/Tokyo",
        now=MON,
    ),
    C(
        "tz",
        "chats from yesterday",
        "SELECT * FROM sessions WHERE {0:created_at}",
        dates="yesterday",
        tz="Australia/Sydney",
        now=NYE,
    ),
    C(
        "tz",
        "anything i uploaded last week",
        "SELECT * FROM files WHERE {0:upload_timestamp}",
        dates="last week",
        tz="Europe/Berlin",
        now=DST,
    ),
    C(
        "tz",
        "notes about the launch plan this week",
        'SEARCH "launch plan" IN resources WHERE {0:created_at}',
        dates="this week",
        tz="America/Los_Angeles",
        now=SUN,
    ),
    C(
        "tz",
        "moments from tonight",
        "SELECT * FROM moments WHERE {0:resource_timestamp}",
        dates="tonight",
        tz="Asia/Kolkata",
        now=LEAP,
    ),
    C(
        "tz",
        "docs edited in the past month",
        "SELECT * FROM resources WHERE {0:updated_at}",
        dates="past month",
        tz="America/Sao_Paulo",
        now=LEAP,
    ),
    C(
        "tz",
        "reflections last year",
        "SELECT * FROM moments WHERE moment_type = 'reflection' AND {0:resource_timestamp}",
        dates="last year",
        tz="Europe/London",
        now=MON,
    ),
    C(
        "tz",
        "chats about visa paperwork last quarter",
        'SEARCH "visa paperwork" IN sessions WHERE {0:created_at}',
        dates="last quarter",
        tz="Asia/Singapore",
        now=NYE,
    ),
    C(
        "tz",
        "conversations this afternoon",
        "SELECT * FROM moments WHERE moment_type = 'conversation' AND {0:resource_timestamp}",
        dates="this afternoon",
        tz="America/Chicago",
    ),
    C(
        "tz",
        "uploads from last friday",
        "SELECT * FROM files WHERE {0:upload_timestamp}",
        dates="last friday",
        tz="Pacific/Auckland",
        now=MON,
    ),
    C(
        "tz",
        "sessions completed yesterday morning",
        "SELECT * FROM sessions WHERE {0:session_completed_at}",
        dates="yesterday morning",
        tz="Africa/Lagos",
        now=SUN,
    ),
]


def _fill(template: str, bounds: list[_Bounds]) -> str:
    return template.format(*bounds)


def _phrase_in(nl: str, phrase: str) -> str:
    """The phrase as it appears in the request (its case kept)."""
    match = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", nl, re.IGNORECASE)
    if match is None:
        raise SystemExit(f"date phrase {phrase!r} is not in {nl!r}")
    return match.group(0)


def _check(query: str, profile: str, nl: str) -> str:
    result = check_rem(query, profile=Profile(profile))
    if not result.valid:
        raise SystemExit(f"{nl!r}: {query!r} is not valid {profile} REM: {result.errors}")
    if result.canonical != query:
        raise SystemExit(f"{nl!r}: {query!r} is not canonical; canonical: {result.canonical!r}")
    return query


def build() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    counters: Counter[str] = Counter()
    seen: set[str] = set()
    for case in CASES:
        counters[case.category] += 1
        key = f"{case.profile}:{case.nl.lower()}"
        if key in seen:
            raise SystemExit(f"duplicate request {case.nl!r}")
        seen.add(key)
        bounds = [_Bounds(literals(p, case.now, case.tz)) for p in case.dates]
        refs = [
            _check(_fill(q, bounds), case.profile, case.nl) for q in (case.expected, *case.accept)
        ]
        if len(set(refs)) != len(refs):
            raise SystemExit(f"{case.nl!r}: a reference is listed twice")
        rows.append(
            {
                "id": f"fresh-{case.category}-{counters[case.category]:03d}",
                "nl": case.nl,
                "now": case.now,
                "tz": case.tz,
                "profile": case.profile,
                "expected": refs[0],
                "accept": refs[1:],
                "category": case.category,
                "dates": [
                    {"phrase": _phrase_in(case.nl, p), "start": b.bounds[0], "end": b.bounds[1]}
                    for p, b in zip(case.dates, bounds, strict=True)
                ],
            }
        )
    return rows


def main() -> None:
    rows = build()
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(rows)} cases to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
