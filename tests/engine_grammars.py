"""Grammars and schemas the engine tests decode under."""

from __future__ import annotations

# Bounded: every output must be complete and parse.
SEARCH_GRAMMAR = r"""start: "SEARCH \"" /[a-z ]{1,20}/ "\" IN " ("resources" | "moments")"""

# The features the REM grammar uses: literals, regex terminals with character classes,
# alternations, optional groups, repetition and recursion.
RICH_GRAMMAR = r"""
start: statement
statement: search | lookup
search: "SEARCH " STRING (" IN " TABLE)? where? limit?
lookup: "LOOKUP " STRING (", " STRING)*
where: " WHERE " cond
cond: pred | pred " AND " cond | "(" cond ")"
pred: FIELD " = " VALUE
limit: " LIMIT " /[1-9][0-9]?/
STRING: /"[a-z][a-z ]{0,15}"/
TABLE: "resources" | "moments"
FIELD: /[a-z_]{2,12}/
VALUE: /'[0-9]{4}-[0-9]{2}-[0-9]{2}'/ | /[0-9]{1,3}/
"""

SCHEMA = {
    "type": "object",
    "properties": {
        "table": {"enum": ["resources", "moments"]},
        "limit": {"type": "integer", "minimum": 1, "maximum": 50},
    },
    "required": ["table", "limit"],
    "additionalProperties": False,
}
