"""Table-driven resolution cases (tests/data/dates_cases.txt) at many frozen `now` values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from rem_agent.dates import WeekStart, resolve_dates

CASES_FILE = Path(__file__).parent / "data" / "dates_cases.txt"


@dataclass(frozen=True)
class Case:
    line: int
    phrase: str
    now: datetime
    tz: str
    week_start: WeekStart
    start: str | None
    end: str | None
    unresolved: bool
    read_as: str | None = None  # how a misspelt phrase is read; None: as typed

    @property
    def id(self) -> str:
        return f"L{self.line}:{self.phrase}@{self.now:%Y-%m-%dT%H:%M}/{self.tz}/{self.week_start}"


def load_cases() -> list[Case]:
    cases: list[Case] = []
    context: tuple[datetime, str, WeekStart] | None = None
    for number, raw in enumerate(CASES_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@"):
            now, tz, week_start = line[1:].split()
            assert week_start in ("monday", "sunday")
            context = (datetime.fromisoformat(now), tz, week_start)  # type: ignore[assignment]
            continue
        assert context is not None, f"line {number}: case before any @ block"
        cells = [c.strip() for c in line.split("|")]
        read_as = None
        if cells[-1].startswith("read as "):
            read_as = cells.pop().removeprefix("read as ")
        if cells[1:] == ["unresolved"]:
            cases.append(Case(number, cells[0], *context, None, None, True, read_as))
            continue
        phrase, start, end = cells
        cases.append(
            Case(
                number,
                phrase,
                *context,
                None if start == "open" else start,
                None if end == "open" else end,
                False,
                read_as,
            )
        )
    return cases


CASES = load_cases()


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 300
    zones = {c.tz for c in CASES}
    assert {"UTC", "America/New_York", "Europe/Berlin"} <= zones
    assert any(c.week_start == "sunday" for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    result = resolve_dates(case.phrase, now=case.now, tz=case.tz, week_start=case.week_start)
    if case.unresolved:
        assert result.ranges == []
        assert [u.text for u in result.unresolved] == [case.phrase]
        assert result.unresolved[0].reason
        assert result.unresolved[0].read_as == case.read_as
        return
    assert result.unresolved == []
    assert len(result.ranges) == 1, result.ranges
    rng = result.ranges[0]
    assert rng.text == case.phrase
    assert rng.span == (0, len(case.phrase))
    assert (rng.start_literal(), rng.end_literal()) == (case.start, case.end)
    # every correctly spelt case is read as typed: no correction fires on it
    assert rng.read_as == case.read_as
