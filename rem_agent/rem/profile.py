"""Dialect profiles (REM.md §2) as data: what each one allows.

The grammar builder and the validator both read these rules, so a profile is
defined once and the two can never disagree.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Profile(StrEnum):
    REM = "rem"
    P8FS = "p8fs"


class ProfileRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    fuzzy: bool
    search_where: bool
    search_limit: bool
    ilike: bool
    lookup_key_forbidden: str  # characters a LOOKUP key may not hold
    edge_forbidden_substring: str | None


PROFILE_RULES: dict[Profile, ProfileRules] = {
    Profile.REM: ProfileRules(
        fuzzy=True,
        search_where=True,
        search_limit=True,
        ilike=True,
        lookup_key_forbidden="",
        edge_forbidden_substring=None,
    ),
    # What the p8fs query parser executes today.
    Profile.P8FS: ProfileRules(
        fuzzy=False,
        search_where=False,
        search_limit=False,
        ilike=False,
        lookup_key_forbidden=":,",
        edge_forbidden_substring="with",
    ),
}


def parse_profile(value: str | Profile) -> Profile:
    from rem_agent.errors import UsageError

    try:
        return Profile(str(value).lower())
    except ValueError:
        known = ", ".join(p.value for p in Profile)
        raise UsageError(f"unknown profile {value!r}; known profiles: {known}") from None
