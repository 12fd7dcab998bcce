"""Date rules for points named on the calendar: months, calendar dates, quarters and
halves, years, weekdays, the weekend, ISO and numeric dates.
"""

from __future__ import annotations

import re
from datetime import datetime

from rem_agent.dates.matchers import PointMatch, TokenMatchers, longest
from rem_agent.dates.phrases import (
    DateRef,
    DateTimeRef,
    PeriodKind,
    PeriodRef,
    Precision,
    Rel,
    Vague,
    WeekdayRef,
    WeekendRef,
    WeekendRel,
    YearRef,
)
from rem_agent.dates.vocabulary import RELATIVE_WORDS


class CalendarRules(TokenMatchers):
    """Points named on the calendar: March, Nov 3, Q3 2025, 2024, last Monday, the
    weekend, 2025-11-03, 11/03/2025. Each `rule(i, ...)` returns (phrase, next index) or None.

    `strong` means a preposition or range word came first, which licenses words
    that are ambiguous on their own: "may", "sat", "2024".
    """

    def relative_prefix(self, i: int) -> tuple[Rel, int]:
        """`this`/`last`/`next`/`past` before a month or weekday name, and where the name starts."""
        rel = RELATIVE_WORDS.get(self.word(i) or "")
        return (rel, i + 1) if rel is not None else ("bare", i)

    def month(self, i: int, strong: bool) -> PointMatch | None:
        """March, in March, last March, March 2025, March of last year."""
        rel, j = self.relative_prefix(i)
        found = self.month_name(j)
        if found is None:
            return None
        number, weak, k = found
        spec = self.year_spec(k)
        # "may" and abbreviations need context; "this may ..." is usually a verb.
        if spec is None and weak and not strong and rel in ("bare", "this"):
            return None
        if spec is None:
            return PeriodRef(kind="month", index=number, rel=rel), k
        year, offset, end = spec
        return PeriodRef(kind="month", index=number, year=year, year_offset=offset), end

    def calendar_date(self, i: int, strong: bool) -> tuple[DateRef, int] | None:
        """Nov 3, Nov 3rd 2025, November the 3rd, 3 November, the 3rd of Nov."""
        best: tuple[DateRef, int] | None = None
        found = self.month_name(i)
        if found is not None:
            number, _weak, j = found
            day = self.day_number(self.skip(j, "the"))
            if day is not None and self.unit(day[1]) is None:
                best = self._date_with_year(number, day[0], day[1])
        j = self.skip(i, "the")
        day = self.day_number(j)
        if day is not None:
            k = self.skip(day[1], "of")
            found = self.month_name(k)
            if found is not None:
                candidate = self._date_with_year(found[0], day[0], found[2])
                if best is None or candidate[1] > best[1]:
                    best = candidate
        return best

    def _date_with_year(self, month: int, day: int, j: int) -> tuple[DateRef, int]:
        spec = self.year_spec(j)
        if spec is None:
            return DateRef(month=month, day=day), j
        year, offset, end = spec
        return DateRef(month=month, day=day, year=year, year_offset=offset), end

    def quarter(self, i: int) -> PointMatch | None:
        """Q3, Q3 2025, 2025-Q3, the third quarter (of 2024), H1, the second half of 2025."""
        best: PointMatch | None = None
        j = self.skip(i, "the")
        rels: dict[str, Rel] = {"this": "this", "last": "last", "next": "next"}
        rel: Rel = "bare"
        if (w := self.word(j)) in rels:
            rel, j = rels[w], j + 1
        if j < self.n and self.t[j].kind == "qh":
            kind: PeriodKind = "quarter" if self.t[j].text[0] == "q" else "half"
            best = self._period_with_year(kind, int(self.t[j].text[1:]), rel, j + 1, punct="-/")
        year = self.year_number(i)
        if year is not None:
            k = self.skip_punct(year[1], "-")
            if k < self.n and self.t[k].kind == "qh":
                kind = "quarter" if self.t[k].text[0] == "q" else "half"
                node = PeriodRef(kind=kind, index=int(self.t[k].text[1:]), year=year[0])
                best = longest(best, (node, k + 1))
        j = self.skip(i, "the")
        ordinal = self.ordinal(j)
        ord_end = None
        index = None
        if ordinal is not None and (ordinal[0] <= 4):
            index, ord_end = ordinal
        elif (last := self.one(j, "last", "final")) is not None:
            index, ord_end = -1, last
        if index is not None and ord_end is not None:
            w = self.word(ord_end)
            kinds: dict[str, PeriodKind] = {"quarter": "quarter", "half": "half"}
            if w in kinds:
                kind = kinds[w]
                spec = self.year_spec(ord_end + 1)
                if index == -1:
                    if spec is None:
                        return best  # "the last quarter" is rolling, handled elsewhere
                    index = 4 if kind == "quarter" else 2
                if spec is None:
                    node = PeriodRef(kind=kind, index=index)
                    best = longest(best, (node, ord_end + 1))
                else:
                    node = PeriodRef(kind=kind, index=index, year=spec[0], year_offset=spec[1])
                    best = longest(best, (node, spec[2]))
        return best

    def _period_with_year(
        self, kind: PeriodKind, index: int, rel: Rel, j: int, punct: str
    ) -> PointMatch:
        spec = self.year_spec(self.skip_punct(j, punct))
        if spec is None:
            return PeriodRef(kind=kind, index=index, rel=rel), j
        return PeriodRef(kind=kind, index=index, year=spec[0], year_offset=spec[1]), spec[2]

    def year(self, i: int, strong: bool) -> PointMatch | None:
        if (j := self.seq(i, "the year")) is not None and (y := self.year_number(j)) is not None:
            return YearRef(year=y[0]), y[1]
        if strong and (y := self.year_number(i)) is not None and 1900 <= y[0] <= 2199:
            return YearRef(year=y[0]), y[1]
        return None

    def weekday(self, i: int, strong: bool) -> tuple[WeekdayRef, int] | None:
        """Monday, on Monday, last Thursday, Monday last week."""
        rel, j = self.relative_prefix(i)
        found = self.weekday_name(j)
        if found is None:
            return None
        number, weak, k = found
        week_offset = None
        m = self.skip(k, "of")
        for words, offset in (("this week", 0), ("last week", -1), ("next week", 1)):
            if (end := self.seq(m, words)) is not None and rel == "bare":
                week_offset, k = offset, end
        if weak and not strong and rel == "bare" and week_offset is None:
            return None
        return WeekdayRef(weekday=number, rel=rel, week_offset=week_offset), k

    def weekend(self, i: int) -> PointMatch | None:
        j = self.skip(i, "the")
        rel: WeekendRel = "bare"
        rels: tuple[tuple[str, WeekendRel], ...] = (
            ("this past", "last"),
            ("past", "last"),
            ("last", "last"),
            ("previous", "last"),
            ("this", "this"),
        )
        for words, name in rels:
            if (k := self.seq(j, words)) is not None:
                rel, j = name, k
                break
        weekend = self.one(j, "weekend")
        if weekend is None:
            return None
        j = weekend
        if (k := self.seq(j, "before last")) is not None:
            return WeekendRef(rel="last", back=1), k
        return WeekendRef(rel=rel), j

    def iso(self, i: int) -> PointMatch | None:
        if i >= self.n or self.t[i].kind != "iso":
            return None
        text = self.t[i].text
        if len(text) == 10:
            year, month, day = (int(p) for p in text.split("-"))
            return DateRef(month=month, day=day, year=year), i + 1
        normal = text.upper().replace(" ", "T")
        normal = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", normal)
        try:
            moment = datetime.fromisoformat(normal)
        except ValueError:
            return Vague(reason=f"{text!r} is not a valid date and time"), i + 1
        clock = normal[11:].split("+")[0].split("-")[0].rstrip("Z")
        precision: Precision = "second" if clock.count(":") >= 2 else "minute"
        return DateTimeRef(moment=moment, precision=precision), i + 1

    def numeric_date(self, i: int, strong: bool) -> PointMatch | None:
        """11/03/2025, 2025/11/03, 11/2025; day/month order must not be a guess."""
        if i >= self.n or self.t[i].kind != "numdate":
            return None
        text = self.t[i].text
        parts = re.split(r"[/.]", text)
        numbers = [int(p) for p in parts]
        end = i + 1
        if len(parts) == 3 and len(parts[0]) == 4:
            return DateRef(month=numbers[1], day=numbers[2], year=numbers[0]), end
        if len(parts) == 2 and len(parts[1]) == 4 and 1 <= numbers[0] <= 12:
            return PeriodRef(kind="month", index=numbers[0], year=numbers[1]), end
        if len(parts) == 2 and len(parts[0]) == 4 and 1 <= numbers[1] <= 12:
            return PeriodRef(kind="month", index=numbers[1], year=numbers[0]), end
        if any(len(p) > 2 for p in parts[:2]) or (len(parts) == 3 and len(parts[2]) not in (2, 4)):
            return None
        a, b = numbers[0], numbers[1]
        year = None
        if len(parts) == 3:
            year = numbers[2] + (2000 if len(parts[2]) == 2 else 0)
        if a == b and 1 <= a <= 12:
            month, day = a, b
        elif a > 12 and 1 <= b <= 12:
            month, day = b, a
        elif b > 12 and 1 <= a <= 12:
            month, day = a, b
        elif 1 <= a <= 12 and 1 <= b <= 12:
            return Vague(
                reason=f"{text!r} could be day/month or month/day; write the month name"
            ), end
        else:
            return None
        if year is None and not strong:
            return None  # "24/7" on its own is not a date
        return DateRef(month=month, day=day, year=year), end
