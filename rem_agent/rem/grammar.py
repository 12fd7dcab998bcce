"""The Lark grammar `rem_agent.rem.parse` runs, built from `grammar/rem.lark`.

`grammar/rem.lark` is the one source for parsing. `parse_grammar()` loosens it for
people: keywords in any case, any whitespace. Catalog and profile checks come after
parsing (`validate`), where they can explain themselves. What the model may write is
`grammar/rem.decode.lark`, filled in by `rem.decode_grammar`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from rem_agent.resources import data_dir

_DEFINITION = re.compile(r"^([?]?[A-Za-z_][A-Za-z0-9_]*)\s*:(.*)$")
_COMMENT = re.compile(r"\s*//.*$")
# A Lark string literal (with its optional flag) or a regex literal, left to right.
_LITERALS = re.compile(r'"(?:[^"\\]|\\.)*"i?|/(?:[^/\\]|\\.)+/[a-z]*')


# ---------------------------------------------------------------- the source


@functools.cache
def grammar_source() -> str:
    return (data_dir("grammar") / "rem.lark").read_text(encoding="utf-8")


def _definitions(source: str) -> dict[str, str]:
    """Top-level definitions by name, each body on one line."""
    defs: dict[str, str] = {}
    current: str | None = None
    for raw in source.splitlines():
        line = _COMMENT.sub("", raw)
        if not line.strip():
            continue
        match = _DEFINITION.match(line)
        if match:
            current = match[1]
            defs[current] = match[2].strip()
        elif current is not None and line[:1].isspace():
            defs[current] += " " + line.strip()
        else:
            raise ValueError(f"grammar/rem.lark: cannot read line {raw!r}")
    return defs


def _emit(defs: dict[str, str], extra: Iterable[str] = ()) -> str:
    return "\n".join([*(f"{name}: {body}" for name, body in defs.items()), *extra]) + "\n"


# ---------------------------------------------------------------- parse mode


def _case_insensitive(match: re.Match[str]) -> str:
    text = match[0]
    is_keyword = text.startswith('"') and not text.endswith("i") and re.search("[A-Za-z]", text)
    return text + "i" if is_keyword else text


@functools.cache
def parse_grammar() -> str:
    """The grammar `rem_agent.rem.parse` runs: loose whitespace, any keyword case."""
    defs = _definitions(grammar_source())
    defs.pop("_S")
    out = {}
    for name, body in defs.items():
        body = re.sub(r"(?<![A-Za-z0-9_])_S(?![A-Za-z0-9_])", "", body)
        body = _LITERALS.sub(_case_insensitive, body)
        if name in ("NAME", "EDGE"):
            body = re.sub(r"/$", "/i", body.strip())
        out[name] = re.sub(r"\s+", " ", body).strip()
    return _emit(out, ["%ignore /[ \\t\\r\\n]+/"])
