"""Is a line a meta-command, REM to check, or a request for the model?

REM is recognised by its shape, not by its first word alone: "search kafka
notes" is a request, `SEARCH "kafka"` and `select * from files` are REM.
"""

from __future__ import annotations

import re
from typing import Literal

from rem_agent.rem.ast import statement_start
from rem_agent.repl.commands import is_command

LineKind = Literal["empty", "command", "rem", "request"]

_REM_SHAPE = re.compile(
    r"""^(?:
        (?:lookup|search|fuzzy)\s+"            # a statement string follows at once
      | select\s*\*                            # SELECT *
      | traverse\s+(?:[a-z0-9_,-]+\s+)?with\s  # TRAVERSE [edges] WITH
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def looks_like_rem(text: str) -> bool:
    stripped = text.strip()
    return bool(statement_start(stripped, any_case=False) or _REM_SHAPE.match(stripped))


def classify_line(text: str) -> LineKind:
    if not text.strip():
        return "empty"
    if is_command(text):
        return "command"
    return "rem" if looks_like_rem(text) else "request"
