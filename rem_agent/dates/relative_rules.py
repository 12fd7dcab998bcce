"""Date rules for points counted from today ("last week", "past 3 days", "2 months
ago", "so far this year") and for one day with a time of day ("yesterday at 3pm").
"""

from __future__ import annotations

import re

from rem_agent.dates.calendar_rules import CalendarRules
from rem_agent.dates.matchers import PointMatch, longest
from rem_agent.dates.phrases import (
    ClockTime,
    DateRef,
    DayNode,
    DayPart,
    Precision,
    Relative,
    Rolling,
    ToDate,
    Unit,
    Vague,
)
from rem_agent.dates.vocabulary import CALENDAR_UNITS, DAY_PARTS, TO_DATE_STARTERS


class RelativeRules(CalendarRules):
    """Points counted from today (yesterday, last week, the past 3 days, 2 months ago,
    so far this year, recently) and one day with its time of day ("Monday at 3pm")."""

    def day(self, i: int, strong: bool) -> tuple[DayNode, int] | None:
        """Phrases naming one day."""
        best: tuple[DayNode, int] | None = None
        relative_days = (
            ()
            if self.word(i) is None
            else (
                ("today", 0),
                ("yesterday", -1),
                ("tomorrow", 1),
                ("the day before yesterday", -2),
                ("day before yesterday", -2),
                ("the day after tomorrow", 2),
                ("day after tomorrow", 2),
            )
        )
        for words, offset in relative_days:
            if (j := self.seq(i, words)) is not None and (best is None or j > best[1]):
                best = Relative(unit="day", offset=offset), j
        for found in (self.calendar_date(i, strong), self.weekday(i, strong)):
            if found is not None and (best is None or found[1] > best[1]):
                best = found
        tok = self.t[i] if i < self.n else None
        if tok is not None and tok.kind == "iso" and len(tok.text) == 10:
            node = self.iso(i)
            if node is not None and isinstance(node[0], DateRef):
                best = node[0], node[1]
        return best

    def day_with_time(self, i: int, strong: bool) -> PointMatch | None:
        found = self.day(i, strong)
        if found is None:
            return None
        day, j = found
        # "yesterday afternoon", "Monday in the morning", "yesterday at 3pm"
        k = self.seq(j, "in the") or j
        if (part := self.word(k)) in DAY_PARTS:
            return DayPart(day=day, part=DAY_PARTS[part]), k + 1
        k = self.one(j, "at") or self.punct(j, "@") or j
        clock = self.clock(k)
        if clock is not None and (k > j or self.t[k].text[-1] == "m"):
            hour, minute, precision, end = clock
            return ClockTime(day=day, hour=hour, minute=minute, precision=precision), end
        return day, j

    def clock(self, i: int) -> tuple[int, int, Precision, int] | None:
        """A clock time token: 15:00, 3pm, 3:30 p.m."""
        if i >= self.n or self.t[i].kind != "time":
            return None
        text = self.t[i].text
        m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s?(?:([ap])\.?m\.?)?", text)
        if m is None:
            return None
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if m.group(4):
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if m.group(4) == "p" else 0)
        if hour > 23 or minute > 59 or (m.group(3) and int(m.group(3)) > 59):
            return None
        precision: Precision = "minute" if m.group(2) else "hour"
        return hour, minute, precision, i + 1

    def standalone_day_part(self, i: int) -> PointMatch | None:
        if (j := self.one(i, "tonight")) is not None:
            return DayPart(day=Relative(unit="day", offset=0), part="night"), j
        if (j := self.one(i, "this")) is not None and (w := self.word(j)) in DAY_PARTS:
            return DayPart(day=Relative(unit="day", offset=0), part=DAY_PARTS[w]), j + 1
        if (j := self.one(i, "last")) is not None and (w := self.word(j)) in ("night", "evening"):
            return DayPart(day=Relative(unit="day", offset=-1), part=DAY_PARTS[w]), j + 1
        return None

    def relative_unit(self, i: int) -> PointMatch | None:
        """this/last/next/past week; the week before last."""
        j = self.skip(i, "the")
        best: PointMatch | None = None
        unit_here = self.unit(j)
        if unit_here is not None and unit_here[1] == 1:
            k = self.seq(unit_here[2], "before last")
            if k is not None and unit_here[0] in CALENDAR_UNITS:
                best = Relative(unit=unit_here[0], offset=-2), k
        w = self.word(j)
        if w is None:
            return best
        rolling_words = ("past",) if j == i else ("past", "last")
        k = self.seq(j, "this past") or self.seq(j, "these past")
        if k is None:
            k = j + 1
        elif w in ("this", "these"):
            w = "past"
        k = self.skip_punct(k, "-")  # "last-week"
        unit = self.unit(k)
        if unit is None or len(self.t[k].text) == 1:
            return best
        name, mult, end = unit
        if self.t[k].text.endswith("s") and name != "second" and mult == 1:
            return best  # plural needs a count: "past weeks" is not a period
        if w in rolling_words:
            return longest(best, (Rolling(unit=name, count=mult), end))
        if mult != 1:
            return longest(best, (Rolling(unit=name, count=mult), end)) if w == "last" else best
        offset = {
            "this": 0,
            "current": 0,
            "last": -1,
            "previous": -1,
            "prior": -1,
            "next": 1,
            "coming": 1,
            "following": 1,
        }.get(w)
        if offset is None or name not in CALENDAR_UNITS:
            return best
        return longest(best, (Relative(unit=name, offset=offset), end))

    def rolling(self, i: int) -> PointMatch | None:
        """past/last/next N units; the last three weeks."""
        j = self.skip(i, "the", "these", "this")
        w = self.word(j)
        if w not in ("past", "last", "previous", "prior", "next", "coming", "following"):
            return None
        found = self.counted(j + 1)
        if found is None:
            return None
        node, end = found
        if isinstance(node, Vague):
            return node, end
        forward = w in ("next", "coming", "following")
        return Rolling(unit=node.unit, count=node.count, forward=forward), end

    def ago(self, i: int) -> PointMatch | None:
        """3 days ago, a week ago, two months back."""
        found = self.counted(i)
        if found is None or (j := self.one(found[1], "ago", "back")) is None:
            return None
        node = found[0]
        if isinstance(node, Vague):
            return Vague(reason="a vague number of units ago; say how many"), j
        return Relative(unit=node.unit, offset=-node.count), j

    def counted(self, i: int) -> tuple[Rolling | Vague, int] | None:
        """`N units` as a rolling period (also used by within / older than / less than)."""
        num = self.number(i)
        if num is None:
            return None
        unit = self.unit(num[1])
        if unit is None:
            return None
        if num[0] is None:
            return Vague(reason="a vague number of units; say how many"), unit[2]
        return Rolling(unit=unit[0], count=num[0] * unit[1]), unit[2]

    def to_date(self, i: int) -> PointMatch | None:
        """so far this year, year to date, YTD, earlier this week, earlier today."""
        if self.word(i) not in TO_DATE_STARTERS:
            return None
        best: PointMatch | None = None
        units: tuple[Unit, ...] = ("week", "month", "quarter", "year")
        for name in units:
            for words, earlier in (
                (f"so far this {name}", False),
                (f"this {name} so far", False),
                (f"the {name} so far", False),
                (f"{name} to date", False),
                (f"this {name} to date", False),
                (f"earlier this {name}", True),
                (f"earlier in the {name}", True),
            ):
                if (j := self.seq(i, words)) is not None:
                    best = longest(best, (ToDate(unit=name, earlier=earlier), j))
        abbreviations: dict[str, Unit] = {
            "ytd": "year",
            "mtd": "month",
            "qtd": "quarter",
            "wtd": "week",
        }
        if (w := self.word(i)) in abbreviations:
            best = longest(best, (ToDate(unit=abbreviations[w]), i + 1))
        if (j := self.seq(i, "earlier today")) is not None:
            best = longest(best, (ToDate(unit="day", earlier=True), j))
        if (j := self.seq(i, "so far today")) is not None:
            best = longest(best, (ToDate(unit="day"), j))
        return best

    def recently(self, i: int) -> PointMatch | None:
        if (j := self.one(i, "recently", "lately")) is not None:
            return Rolling(unit="week", count=1), j
        return None
