"""Dev-set cases: one JSON object per line, loaded and checked into pydantic models."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, ValidationError

from rem_agent.errors import UsageError
from rem_agent.rem.profile import Profile


class DateNote(BaseModel):
    """A time phrase of the request and the interval the set's author computed for it."""

    phrase: str
    start: str | None = None
    end: str | None = None


class DevCase(BaseModel):
    id: str
    nl: str
    now: str
    tz: str = "UTC"
    profile: Profile = Profile.REM
    expected: str
    accept: list[str] = []
    category: str
    dates: list[DateNote] = []

    @property
    def references(self) -> list[str]:
        return [self.expected, *self.accept]

    @property
    def names_time(self) -> bool:
        return bool(self.dates)


def load_cases(path: str | Path) -> list[DevCase]:
    """Read a JSONL dev set; a bad line is a usage error naming the line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read the dev set {path}: {exc.strerror or exc}") from None
    cases = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            cases.append(DevCase.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            raise UsageError(f"{path}:{number}: not a dev-set case ({first})") from None
    if not cases:
        raise UsageError(f"the dev set {path} has no cases")
    return cases


def select_cases(
    cases: list[DevCase],
    *,
    profile: Profile | None = None,
    categories: list[str] | None = None,
    limit: int | None = None,
    stratified: bool = False,
) -> list[DevCase]:
    """Filter by profile and category, then keep `limit` cases: the first ones, or with
    `stratified` a round robin over categories, in that order (so a small or interrupted
    run still sees every kind in proportion)."""
    chosen = [
        c
        for c in cases
        if (profile is None or c.profile is profile)
        and (not categories or c.category in categories)
    ]
    if stratified:
        chosen = _round_robin(chosen)
    return chosen if limit is None else chosen[:limit]


def _round_robin(cases: list[DevCase]) -> list[DevCase]:
    by_category: dict[str, list[DevCase]] = defaultdict(list)
    for case in cases:
        by_category[case.category].append(case)
    out: list[DevCase] = []
    for round_ in range(max((len(g) for g in by_category.values()), default=0)):
        out.extend(group[round_] for group in by_category.values() if round_ < len(group))
    return out
