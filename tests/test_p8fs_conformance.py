"""The p8fs profile against what p8fs's own parser does (REM.md §2, issue 15).

`p8fs_reads` below is a small model of the acceptance and cut-off rules of
`p8fs/src/p8fs/query/rem_parser.py` (public Healer-AI/p8fs) and of its read-only
check, written from their behaviour: it says what p8fs would run, or that it refuses.
Every corpus query is checked by the validator AND by this model; the decode grammar
is checked with the real llguidance matcher on a byte tokenizer (no model needed).
README says how to run the real parser on `rem-agent translate --profile p8fs` output.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime

import llguidance
import pytest
from fakes import ScriptedEngine
from hypothesis import HealthCheck, given, settings
from rem_strategies import statements
from specs import spec_of

from rem_agent.agent import RemAgent
from rem_agent.rem import DecodeSpec, Profile, ast, check_rem, decode_grammar, default_catalog
from rem_agent.rem.profile import PROFILE_RULES, SQL_WRITE_KEYWORDS
from rem_agent.rem.render import render, render_condition
from rem_agent.translate.review import where_unsayable

P8FS = default_catalog()
NOW = datetime(2026, 11, 26, 10, 30)

# ---------------------------------------------------------------- a model of p8fs's parser


class Refused(Exception):
    """p8fs refuses the query ("REM queries are read-only", or a ValueError of its parser)."""


_QUOTES = r"""^(```|\"\"\"|'''|"|'|`)(.+)\1$"""


def _unquote(text: str) -> str:
    return re.sub(_QUOTES, r"\2", text.strip())


def p8fs_reads(query: str) -> dict[str, object]:
    """What p8fs would run for `query`: the fields of its plan, or `Refused`."""
    q = query.strip()
    head = q.upper()
    if head.startswith("TRAVERSE "):
        return _traverse(q)
    if head.startswith(("LOOKUP ", "GET ")):
        return _lookup(re.sub(r"^(LOOKUP|GET)\s+", "", q, flags=re.I).strip())
    if head.startswith("SEARCH "):
        return _search(re.sub(r"^SEARCH\s+", "", q, flags=re.I).strip())
    if head.startswith("SELECT "):
        return _select(q)
    return {"kind": "search", "table": "resources", "text": q}  # anything else: the whole text


def _lookup(rest: str) -> dict[str, object]:
    table = "resources"
    if ":" in rest and "," not in rest:
        head, tail = rest.split(":", 1)
        if " " not in head:  # `table:key`
            table, rest = head.strip(), tail.strip()
    keys = [k for k in (_unquote(k) for k in rest.split(",")) if k]
    return {"kind": "lookup", "table": table, "keys": keys}


def _search(rest: str) -> dict[str, object]:
    quoted = re.match(r"""["'](.+?)["']\s*(?:IN\s+(\w+))?$""", rest, re.I | re.S)
    if quoted:  # anchored at the end: anything after `IN table` joins the text
        text = quoted[1].replace('\\"', '"').replace("\\'", "'")
        return {"kind": "search", "table": quoted[2] or "resources", "text": text}
    if ":" in rest:  # no quotes: `table: text`
        table, text = rest.split(":", 1)
        return {"kind": "search", "table": table.strip(), "text": text.strip()}
    return {"kind": "search", "table": "resources", "text": rest}


def _select(q: str) -> dict[str, object]:
    table = re.search(r"FROM\s+(\w+)", q, re.I)
    where = re.search(r"WHERE\s+(.+?)(?:ORDER BY|LIMIT|$)", q, re.I | re.S)  # the first of them
    limit = re.search(r"LIMIT\s+(\d+)", q, re.I)
    order = re.search(r"ORDER BY\s+(.+?)(?:LIMIT|$)", q, re.I | re.S)
    clause = where[1].strip() if where else None
    for word in ("DELETE", "UPDATE", "DROP", "INSERT", "TRUNCATE", "ALTER", "CREATE"):
        if clause and re.search(rf"\b{word}\b", clause.upper()):
            raise Refused(word)
    return {
        "kind": "sql",
        "table": table[1] if table else "resources",
        "where": clause,
        "order_by": [o.strip() for o in order[1].split(",")] if order else None,
        "limit": int(limit[1]) if limit else None,
    }


def _traverse(q: str) -> dict[str, object]:
    rest = re.sub(r"^TRAVERSE\s+", "", q, flags=re.I).strip()
    plan = rest.upper().startswith("PLAN ")  # only a leading PLAN
    if plan:
        rest = re.sub(r"^PLAN\s+", "", rest, flags=re.I).strip()
    edges = None
    with_ = re.search(r"\bWITH\b", rest, re.I)
    if with_:
        before = rest[: with_.start()].strip()
        edges = [e.strip() for e in before.split(",")] if before else None
        rest = rest[with_.end() :].strip()
    if rest.upper().startswith("LOOKUP "):
        part = re.sub(r"^LOOKUP\s+", "", rest, flags=re.I).strip()
        stops = [
            m.start() for p in (r"\s+DEPTH\s+", r"\s+IN\s+") if (m := re.search(p, part, re.I))
        ]
        end = min(stops, default=len(part))
        seed: tuple[str, str] = ("lookup", _unquote(part[:end]))
        rest = part[end:].strip()
    elif rest.upper().startswith("SEARCH "):
        part = re.sub(r"^SEARCH\s+", "", rest, flags=re.I).strip()
        quoted = re.match(r"""["'](.+?)["']""", part, re.S)
        if not quoted:
            raise Refused("TRAVERSE SEARCH requires quoted text")
        seed = ("search", quoted[1].replace('\\"', '"').replace("\\'", "'"))
        rest = part[quoted.end() :].strip()
    else:
        raise Refused("TRAVERSE requires WITH LOOKUP or WITH SEARCH")
    depth = re.search(r"DEPTH\s+(\d+)", rest, re.I)
    table = re.search(r"IN\s+(\w+)", rest, re.I)
    return {
        "kind": "traverse",
        "edges": edges,
        "seed": seed,
        "depth": int(depth[1]) if depth else 1,
        "plan_mode": plan,
        "table": table[1] if table else "resources",
    }


def meant(tree: ast._Statement) -> dict[str, object]:
    """What the tree means, in the fields of `p8fs_reads`."""
    if isinstance(tree, ast.Lookup):
        return {"kind": "lookup", "table": "resources", "keys": list(tree.keys)}
    if isinstance(tree, ast.Search):
        return {"kind": "search", "table": tree.table, "text": tree.text}
    if isinstance(tree, ast.Fuzzy):
        return {"kind": "fuzzy", "text": tree.text}
    if isinstance(tree, ast.Select):
        order = [i.field + (f" {i.direction}" if i.direction else "") for i in tree.order_by]
        return {
            "kind": "sql",
            "table": tree.table,
            "where": render_condition(tree.where) if tree.where is not None else None,
            "order_by": order or None,
            "limit": tree.limit,
        }
    assert isinstance(tree, ast.Traverse)
    seed = tree.seed
    return {
        "kind": "traverse",
        "edges": list(tree.edges) or None,
        "seed": ("lookup", ", ".join(seed.keys))
        if isinstance(seed, ast.Lookup)
        else ("search", seed.text),
        "depth": tree.depth,
        "plan_mode": False,
        "table": seed.table if isinstance(seed, ast.Search) else "resources",
    }


def p8fs_runs_it_intact(text: str) -> bool:
    tree = check_rem(text).tree
    assert tree is not None, text
    try:
        return p8fs_reads(render(tree)) == meant(tree)
    except Refused:
        return False


# ---------------------------------------------------------------- the corpus

ACCEPTED = [
    'LOOKUP "Sarah Chen"',
    'LOOKUP "Sarah", "Mike", "Emily"',
    'SEARCH "machine learning" IN resources',
    'SEARCH "update" IN resources',  # write words are fine outside a WHERE
    'SEARCH "unlimited plans" IN resources',
    'SEARCH "notes: kafka" IN moments',  # a colon inside quotes; IN is always printed
    'SEARCH "it\'s late" IN resources',
    "SELECT * FROM resources WHERE category = 'diary'",
    "SELECT * FROM resources WHERE created_at >= '2026-11-16' AND updated_at IS NULL",  # created_at, updated_at are no words
    "SELECT * FROM resources WHERE category = 'updates'",  # not the whole word
    "SELECT * FROM resources WHERE name = 'dropoff'",
    "SELECT * FROM resources WHERE name = 'elimination' ORDER BY created_at DESC LIMIT 5",
    "SELECT * FROM moments WHERE topic_tags @> '[\"created\"]'::jsonb",
    "SELECT * FROM moments WHERE moment_type = 'meeting' ORDER BY resource_timestamp DESC, name ASC LIMIT 3",
    "SELECT * FROM files ORDER BY upload_timestamp DESC LIMIT 5",
    "SELECT * FROM resources WHERE name = 'order' AND category = 'by'",  # not 'order by' in one literal
    'TRAVERSE reports-to WITH LOOKUP "Sally" DEPTH 2',
    'TRAVERSE manages,reports-to WITH LOOKUP "Dana" DEPTH 1',
    'TRAVERSE WITH SEARCH "api design" DEPTH 1',
    'TRAVERSE WITH LOOKUP "Sally" DEPTH 0',  # DEPTH 0 is no plan mode in p8fs's parser
    'TRAVERSE plans WITH LOOKUP "Sally" DEPTH 1',
]

# (query, what the validator says, in p8fs's terms)
REJECTED = [
    (
        "SELECT * FROM resources WHERE category = 'update'",
        "p8fs refuses a WHERE containing the word UPDATE, even in a literal",
    ),
    (
        "SELECT * FROM resources WHERE category = 'drop-off'",
        "p8fs refuses a WHERE containing the word DROP, even in a literal",
    ),
    (
        "SELECT * FROM moments WHERE topic_tags @> '[\"create\"]'::jsonb",
        "p8fs refuses a WHERE containing the word CREATE, even in a literal",
    ),
    (
        "SELECT * FROM resources WHERE name IN ('a', 'Insert coin')",
        "p8fs refuses a WHERE containing the word INSERT",
    ),
    (
        "SELECT * FROM resources WHERE name = 'x''delete'",
        "p8fs refuses a WHERE containing the word DELETE",
    ),
    (
        "SELECT * FROM resources WHERE name = 'rate limit design' ORDER BY created_at DESC",
        "p8fs cuts the WHERE at 'limit', even inside a literal or a word ('rate limit design'): "
        "it would run as `WHERE name = 'rate`",
    ),
    (
        "SELECT * FROM resources WHERE name = 'unlimited plans'",
        "it would run as `WHERE name = 'un`",
    ),
    (
        "SELECT * FROM resources WHERE name = 'border byline'",
        "p8fs cuts the WHERE at 'order by'",
    ),
    (
        "SELECT * FROM resources WHERE category = 'x' OR name = 'LIMIT 1'",
        "p8fs cuts the WHERE at 'limit'",
    ),
    ('SEARCH "x" IN resources LIMIT 3', "p8fs profile has no LIMIT after SEARCH"),
    (
        "SEARCH \"x\" IN resources WHERE created_at >= '2026-11-16'",
        "p8fs profile has no WHERE after SEARCH",
    ),
    ('LOOKUP "Chen, Sarah"', "p8fs profile has no LOOKUP keys with `,`"),
    ('LOOKUP "user:1"', "p8fs profile has no LOOKUP keys with `:`"),
    ('TRAVERSE works-with WITH LOOKUP "x" DEPTH 1', "edge names containing `with`"),
    (
        'TRAVERSE plan WITH LOOKUP "Sally" DEPTH 2',
        "p8fs reads `TRAVERSE plan WITH` as the keyword PLAN",
    ),
    ('FUZZY "kuberntes"', "p8fs profile has no FUZZY"),
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_queries_run_intact_in_p8fs(text: str) -> None:
    result = check_rem(text, profile=Profile.P8FS)
    assert result.valid, result.errors
    assert result.canonical == text
    assert p8fs_runs_it_intact(text), (p8fs_reads(text), meant(result.tree))  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "message"), REJECTED, ids=[q for q, _ in REJECTED])
def test_rejected_queries_are_refused_or_changed_by_p8fs(text: str, message: str) -> None:
    result = check_rem(text, profile=Profile.P8FS)
    assert not result.valid
    assert any(message in e.message for e in result.errors), [e.message for e in result.errors]
    assert check_rem(text).valid  # only the profile forbids it
    assert not p8fs_runs_it_intact(text)


def test_the_model_of_p8fs_reproduces_the_issue() -> None:
    with pytest.raises(Refused, match="UPDATE"):
        p8fs_reads("SELECT * FROM resources WHERE category = 'update'")
    cut = p8fs_reads(
        "SELECT * FROM resources WHERE name = 'rate limit design' ORDER BY created_at DESC"
    )
    assert cut["where"] == "name = 'rate"
    assert (
        p8fs_reads("SELECT * FROM resources WHERE name = 'border byline'")["where"] == "name = 'b"
    )
    assert p8fs_reads("SELECT * FROM resources WHERE created_at >= '2026-11-16'")["where"] == (
        "created_at >= '2026-11-16'"
    )


def test_search_takes_nothing_after_the_table() -> None:
    # p8fs anchors SEARCH at the end: a clause after `IN table` joins the search text.
    assert p8fs_reads('SEARCH "x" IN resources LIMIT 3')["text"] == '"x" IN resources LIMIT 3'
    assert not check_rem('SEARCH "x" IN resources LIMIT 3', profile=Profile.P8FS).valid
    spec = DecodeSpec(catalog=P8FS, profile=Profile.P8FS)
    assert decodable(spec, 'SEARCH "x" IN resources')
    for clause in ("LIMIT 3", "WHERE name IS NULL"):
        assert not decodable(spec, f'SEARCH "x" IN resources {clause}'), clause


def test_a_colon_never_splits_search_text_because_in_is_always_printed() -> None:
    # Without quotes and IN, p8fs reads `table: text`; canonical output always has both.
    assert p8fs_reads("SEARCH notes: kafka")["table"] == "notes"
    canonical = check_rem('search "notes: kafka"', profile=Profile.P8FS).canonical
    assert canonical == 'SEARCH "notes: kafka" IN resources'
    assert p8fs_reads(canonical) == {"kind": "search", "table": "resources", "text": "notes: kafka"}


def test_lookup_keys_with_a_comma_or_colon_would_be_split() -> None:
    assert p8fs_reads('LOOKUP "Chen, Sarah"')["keys"] == ['"Chen', 'Sarah"']
    assert p8fs_reads('LOOKUP "user:1"')["table"] == '"user'
    assert PROFILE_RULES[Profile.P8FS].lookup_key_forbidden == ":,"


def test_only_a_leading_plan_sets_plan_mode() -> None:
    assert p8fs_reads('TRAVERSE PLAN WITH LOOKUP "Sally"')["plan_mode"] is True
    depth0 = p8fs_reads('TRAVERSE WITH LOOKUP "Sally" DEPTH 0')
    assert depth0["plan_mode"] is False and depth0["depth"] == 0
    # An edge named `plan` is read as PLAN, and its filter is lost: refused by the profile.
    assert p8fs_reads('TRAVERSE plan WITH LOOKUP "Sally" DEPTH 2')["edges"] is None


def test_fuzzy_is_never_produced() -> None:
    # p8fs has no FUZZY: the text becomes a semantic search for the whole string.
    assert p8fs_reads('FUZZY "kuberntes"')["text"] == 'FUZZY "kuberntes"'
    assert not PROFILE_RULES[Profile.P8FS].fuzzy
    grammar = decode_grammar(DecodeSpec(catalog=P8FS, profile=Profile.P8FS))
    assert '"FUZZY"' not in grammar


def test_the_refused_words_are_p8fs_s_list() -> None:
    assert PROFILE_RULES[Profile.P8FS].where_refused_words == SQL_WRITE_KEYWORDS
    assert set(SQL_WRITE_KEYWORDS) == {
        "DELETE",
        "UPDATE",
        "DROP",
        "INSERT",
        "TRUNCATE",
        "ALTER",
        "CREATE",
    }
    assert PROFILE_RULES[Profile.REM].where_pattern() is None


@pytest.mark.parametrize(
    "literal",
    ["'inſert'", "'ınsert'", "'inserẗ'", "'éupdate'", "'LİMİT'", "'x''drop'", '\'["a", "Drop"]\''],
)
def test_lookalike_letters_count_as_the_word(literal: str) -> None:
    """p8fs upper-cases the WHERE (ſ → S, ı → I) and matches case-insensitively (İ ~ i);
    the profile errs on refusing (é counts as a word boundary)."""
    assert PROFILE_RULES[Profile.P8FS].where_problems(literal)


_PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _known_gap(tree: ast._Statement) -> bool:
    """What p8fs's parser also changes but the profile (REM.md §2) does not yet exclude:
    see the xfail tests below."""
    if isinstance(tree, ast.Lookup):
        return any(c in k for k in tree.keys for c in '"\\')
    if isinstance(tree, ast.Search):
        return "\\" in tree.text
    return isinstance(tree, ast.Traverse)


@_PROPS
@given(tree=statements(P8FS, Profile.P8FS))
def test_random_p8fs_queries_run_intact(tree: ast._Statement) -> None:
    text = render(tree)
    assert check_rem(text, profile=Profile.P8FS).valid
    if not _known_gap(tree):
        assert p8fs_reads(text) == meant(tree), text


@pytest.mark.xfail(strict=True, reason="p8fs does not unescape LOOKUP keys; not in REM.md §2")
def test_gap_lookup_keys_with_escapes() -> None:
    assert (
        p8fs_runs_it_intact('LOOKUP "say \\"hi\\""')
        or check_rem('LOOKUP "say \\"hi\\""', profile=Profile.P8FS).valid is False
    )


@pytest.mark.xfail(strict=True, reason="p8fs cuts a TRAVERSE seed key at ' in '; not in REM.md §2")
def test_gap_traverse_seed_key_with_in() -> None:
    text = 'TRAVERSE WITH LOOKUP "Jobs in Paris" DEPTH 1'
    assert p8fs_runs_it_intact(text) or not check_rem(text, profile=Profile.P8FS).valid


@pytest.mark.xfail(strict=True, reason="p8fs reads several TRAVERSE seed keys as one")
def test_gap_traverse_with_several_keys() -> None:
    text = 'TRAVERSE WITH LOOKUP "Sally", "Dana" DEPTH 1'
    assert p8fs_reads(text)["seed"] == ("lookup", "Sally, Dana")


@pytest.mark.xfail(strict=True, reason="p8fs ends a TRAVERSE seed search at its first quote")
def test_gap_traverse_seed_search_with_a_quote() -> None:
    text = 'TRAVERSE WITH SEARCH "it\'s late" DEPTH 1'
    assert p8fs_runs_it_intact(text) or not check_rem(text, profile=Profile.P8FS).valid


# ---------------------------------------------------------------- the decode grammar

_BYTES = llguidance.LLTokenizer("byte")


def decodable(spec: DecodeSpec, text: str) -> bool:
    grammar = llguidance.LLMatcher.grammar_from_lark(decode_grammar(spec))
    matcher = llguidance.LLMatcher(_BYTES, grammar)
    assert not matcher.is_error(), matcher.get_error()
    ok = matcher.consume_tokens(_BYTES.tokenize_str(text)) and matcher.is_accepting()
    return bool(ok) and not matcher.is_error()


P8FS_SPEC = DecodeSpec(catalog=P8FS, profile=Profile.P8FS)
REM_SPEC = DecodeSpec(catalog=P8FS)


@pytest.mark.parametrize("text", [q for q, _ in REJECTED])
def test_the_p8fs_grammar_cannot_decode_a_rejected_query(text: str) -> None:
    assert not decodable(P8FS_SPEC, text)


@pytest.mark.parametrize("text", ACCEPTED)
def test_the_p8fs_grammar_decodes_every_accepted_query(text: str) -> None:
    assert decodable(P8FS_SPEC, text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM resources WHERE category = 'update'",
        "SELECT * FROM resources WHERE name = 'unlimited plans'",
        "SELECT * FROM moments WHERE topic_tags @> '[\"create\"]'::jsonb",
        'TRAVERSE plan WITH LOOKUP "Sally" DEPTH 2',
    ],
)
def test_the_rem_profile_keeps_them(text: str) -> None:
    assert decodable(REM_SPEC, text)


def request_spec(text: str) -> DecodeSpec:
    return spec_of(text, Profile.P8FS, now=NOW)


@pytest.mark.parametrize(
    ("request_text", "text", "ok"),
    [
        (
            "resources in category update",
            "SELECT * FROM resources WHERE category = 'update'",
            False,
        ),
        ("resources in category update", 'SEARCH "update" IN resources', True),
        (
            "notes on unlimited plans",
            "SELECT * FROM resources WHERE name = 'unlimited plans'",
            False,
        ),
        ("notes on unlimited plans", "SELECT * FROM resources WHERE name = 'plans'", True),
        ("notes on unlimited plans", 'SEARCH "unlimited plans" IN resources', True),
        ("the border byline memo", "SELECT * FROM resources WHERE name = 'border byline'", False),
        ("the border byline memo", "SELECT * FROM resources WHERE name = 'border'", True),
        (
            "moments tagged drop-off",
            "SELECT * FROM moments WHERE topic_tags @> '[\"drop-off\"]'::jsonb",
            False,
        ),
        (
            "moments tagged created",
            "SELECT * FROM moments WHERE topic_tags @> '[\"created\"]'::jsonb",
            True,
        ),
    ],
)
def test_a_requests_grammar_offers_what_p8fs_can_run(
    request_text: str, text: str, ok: bool
) -> None:
    assert decodable(request_spec(request_text), text) is ok


def test_a_catalog_value_p8fs_refuses_is_not_offered() -> None:
    from rem_agent.rem.catalog import Catalog

    catalog = Catalog.from_mapping(
        {
            "tables": {
                "jobs": {
                    "default_time_field": "created_at",
                    "fields": {
                        "created_at": "timestamp",
                        "status": {"type": "enum", "values": ["done", "update", "drop"]},
                        "limit_rows": "int",
                    },
                }
            }
        }
    )
    grammar = decode_grammar(DecodeSpec(catalog=catalog, profile=Profile.P8FS))
    assert "'done'" in grammar and "'update'" not in grammar and "'drop'" not in grammar
    assert '"limit_rows"' not in grammar  # a field name p8fs would cut the WHERE at


# ---------------------------------------------------------------- check and translate


def test_check_explains_a_rejection_in_p8fs_terms() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rem_agent", "check", "--profile", "p8fs",
         "SELECT * FROM resources WHERE category = 'update'"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "p8fs refuses a WHERE containing the word UPDATE, even in a literal" in proc.stderr
    assert proc.stderr.rstrip().endswith("^")


@pytest.mark.parametrize(
    ("request_text", "answer", "warned"),
    [
        ("resources in category update", "SELECT * FROM resources", "'update' is not expressed"),
        ("resources in category update", 'SEARCH "update" IN resources', None),
        ("notes on unlimited plans", 'SEARCH "plans" IN resources', "'unlimited' is not expressed"),
        ("the border byline memo", "SELECT * FROM resources", "'border byline' is not expressed"),
    ],
)
def test_translate_names_what_p8fs_could_not_express(
    request_text: str, answer: str, warned: str | None
) -> None:
    agent = RemAgent(engine_instance=ScriptedEngine(lambda u, g: answer), profile="p8fs")
    result = agent.translate(request_text, now=NOW)
    assert result.valid and result.query == answer
    notes = [w for w in result.warnings if "is not expressed: p8fs" in w]
    if warned is None:
        assert notes == []
    else:
        assert any(warned in w for w in notes), result.warnings
    rem = RemAgent(engine_instance=ScriptedEngine(lambda u, g: answer))
    assert not any("p8fs" in w for w in rem.translate(request_text, now=NOW).warnings)


def test_where_unsayable_finds_words_and_pairs() -> None:
    found = where_unsayable("Unlimited plans, border byline and the update", Profile.P8FS)
    assert [(w, p.word) for w, p in found] == [
        ("Unlimited", "LIMIT"),
        ("border byline", "ORDER BY"),
        ("update", "UPDATE"),
    ]
    assert where_unsayable("Unlimited update", Profile.REM) == []
