"""Dialect profiles (REM.md §2) as data: what each one allows.

The grammar builder and the validator both read these rules, so a profile is
defined once and the two can never disagree.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Profile(StrEnum):
    REM = "rem"
    P8FS = "p8fs"


# SQL's data-changing statements. p8fs refuses a WHERE holding one as a whole word, and
# the request screen (rem_agent.hostile) keeps them out of quoted text.
SQL_WRITE_KEYWORDS: tuple[str, ...] = (
    "DELETE",
    "UPDATE",
    "DROP",
    "INSERT",
    "TRUNCATE",
    "ALTER",
    "CREATE",
)

# Characters that are not ASCII letters but match one under p8fs's checks: str.upper()
# (ı → I, ſ → S, ẗ → T plus a combining mark) or re.IGNORECASE (İ → i).
_LOOKALIKES = {"I": "ıİ", "S": "ſ", "T": "ẗ"}
# Outside ASCII word characters; wider than Python's \W, so the rule errs on refusing.
_NOT_WORD = "[^A-Za-z0-9_]"


class WhereProblem(BaseModel):
    """Why p8fs would refuse or cut a WHERE: `word` is the keyword or marker, upper case."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["refused", "cut"]
    word: str

    def explain(self, profile: str) -> str:
        """The rule, in the parser's terms."""
        if self.kind == "refused":
            return f"{profile} refuses a WHERE containing the word {self.word}, even in a literal"
        return f"{profile} cuts the WHERE at '{self.word.lower()}', even inside a literal or a word"


def _letters(word: str) -> str:
    out = []
    for ch in word.upper():
        if ch.isalpha():
            out.append(f"[{ch}{ch.lower()}{_LOOKALIKES.get(ch, '')}]")
        else:
            out.append(ch if ch == " " else re.escape(ch))
    return "".join(out)


class ProfileRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    fuzzy: bool
    search_where: bool
    search_limit: bool
    ilike: bool
    lookup_key_forbidden: str  # characters a LOOKUP key may not hold
    edge_forbidden_substring: str | None
    edge_forbidden_names: tuple[str, ...] = ()  # edge names the parser reads as a keyword
    # Whole words (any case) that make the parser refuse a WHERE, wherever they stand.
    where_refused_words: tuple[str, ...] = ()
    # Letters (any case, even inside a word) where the parser ends the WHERE text.
    where_cut_markers: tuple[str, ...] = ()

    def where_pattern(self) -> str | None:
        """A regex (Python and Rust syntax) found in any text the WHERE rules forbid, when
        the text is surrounded by non-word characters (a quoted literal, a padded name)."""
        parts = [f"{_NOT_WORD}{_letters(w)}{_NOT_WORD}" for w in self.where_refused_words]
        parts += [_letters(m) for m in self.where_cut_markers]
        return "(?:" + "|".join(parts) + ")" if parts else None

    def where_problems(self, text: str) -> list[WhereProblem]:
        """What in `text` (part of a WHERE, as printed) p8fs refuses or cuts at, in order:
        the parser's own checks, and the wider pattern the decode grammar excludes."""
        padded = f" {text} "
        found: list[WhereProblem] = []
        upper = text.upper()
        for word in self.where_refused_words:
            exact = re.search(rf"\b{word}\b", upper)
            if exact or re.search(f"{_NOT_WORD}{_letters(word)}{_NOT_WORD}", padded):
                found.append(WhereProblem(kind="refused", word=word))
        for marker in self.where_cut_markers:
            if re.search(re.escape(marker), text, re.IGNORECASE) or re.search(
                _letters(marker), text
            ):
                found.append(WhereProblem(kind="cut", word=marker.upper()))
        return found


PROFILE_RULES: dict[Profile, ProfileRules] = {
    Profile.REM: ProfileRules(
        fuzzy=True,
        search_where=True,
        search_limit=True,
        ilike=True,
        lookup_key_forbidden="",
        edge_forbidden_substring=None,
    ),
    # What the p8fs query parser executes today (REM.md §2).
    Profile.P8FS: ProfileRules(
        fuzzy=False,
        search_where=False,
        search_limit=False,
        ilike=False,
        lookup_key_forbidden=":,",
        edge_forbidden_substring="with",
        edge_forbidden_names=("plan",),  # `TRAVERSE plan WITH ...` is read as plan mode
        where_refused_words=SQL_WRITE_KEYWORDS,
        where_cut_markers=("limit", "order by"),
    ),
}


def parse_profile(value: str | Profile) -> Profile:
    from rem_agent.errors import UsageError

    try:
        return Profile(str(value).lower())
    except ValueError:
        known = ", ".join(p.value for p in Profile)
        raise UsageError(f"unknown profile {value!r}; known profiles: {known}") from None
