"""The phrase grammar on top of the point rules: ranges ("from Nov 1 to Nov 5"), bounds
("since March", "older than 30 days"), vague phrases the resolver refuses to guess at,
and `point_core`, the memoised choice among all point rules.
"""

from __future__ import annotations

import dataclasses

from rem_agent.dates.matchers import Match, PointMatch, longest
from rem_agent.dates.phrases import Between, Bound, BoundKind, DateRef, Phrase, Point, Vague
from rem_agent.dates.relative_rules import RelativeRules
from rem_agent.dates.tokens import Token
from rem_agent.dates.vocabulary import APPROXIMATE, PREPOSITIONS, RANGE_TO, VAGUE_PARTS


class PhraseRules(RelativeRules):
    """The whole phrase grammar over one token list: `phrase(i)` is the longest phrase
    starting at token `i` (a point, a range, a bound or a vague phrase), or None.

    No rule loops: each reads at most a small, fixed number of tokens, and points are
    memoised per (position, strong), so a scan of the whole request is O(tokens).
    """

    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(tokens)
        # Owned by this parser (one request) and bounded by 2 x tokens.
        self._memo: dict[tuple[int, bool], PointMatch | None] = {}

    # phrases -------------------------------------------------------------

    def phrase(self, i: int) -> Match | None:
        return longest(
            self.range(i), self.day_range(i), self.bound(i), self.point(i), self.vague(i)
        )

    def point(self, i: int) -> Match | None:
        """A point, optionally after a preposition that joins the span ("in March")."""
        best = self.point_core(i, strong=False)
        if self.word(i) in PREPOSITIONS:
            best = longest(best, self.point_core(i + 1, strong=True))
            if self.word(i) == "within":
                best = longest(best, self.counted(i + 1))
        return best

    def range(self, i: int) -> Match | None:
        lead = self.word(i)
        if lead in ("from", "between"):
            connectors = {"and", "-", "–", "to"} if lead == "between" else RANGE_TO
            first = self.point_core(i + 1, strong=True)
        else:
            connectors = RANGE_TO
            first = self.point_core(i, strong=False)
        if first is None:
            return None
        node, j = first
        if j >= self.n or self.t[j].text not in connectors:
            return None
        last = self.range_end(j + 1, node)
        if last is None:
            return None
        return Between(first=node, last=last[0]), last[1]

    def day_range(self, i: int) -> Match | None:
        """13-15 July, from the 13th to the 15th of July: the month (and year) once, at the end."""
        lead = self.word(i)
        j = i + 1 if lead in ("from", "between") else i
        connectors = {"and", "-", "–", "to"} if lead == "between" else RANGE_TO
        first = self.day_number(self.skip(j, "the"))
        if first is None or first[1] >= self.n or self.t[first[1]].text not in connectors:
            return None
        k = first[1] + 1
        if self.day_number(self.skip(k, "the")) is None:
            return None  # "13 to July 15" names a month in the middle: not this form
        last = self.calendar_date(k, strong=True)
        if last is None:
            return None
        node, end = last
        if node.day < first[0]:
            return Vague(reason="the first day comes after the last"), end
        return Between(first=dataclasses.replace(node, day=first[0]), last=node), end

    def range_end(self, i: int, first: Phrase) -> tuple[Point, int] | None:
        best = self.point_core(i, strong=True)
        if isinstance(first, DateRef) and (d := self.day_number(i)) is not None:
            # "Nov 1 to 5", "Nov 1-5, 2025": the month carries over.
            year, offset, j = first.year, first.year_offset, d[1]
            if (ys := self.year_spec(j)) is not None:
                year, offset, j = ys
            if best is None or j > best[1]:
                best = DateRef(month=first.month, day=d[0], year=year, year_offset=offset), j
        if best is None:
            return None
        node, end = best
        return None if isinstance(node, Vague) else (node, end)

    def bound(self, i: int) -> Match | None:
        best: Match | None = None
        keywords: tuple[tuple[str, BoundKind], ...] = (
            ()
            if self.word(i) is None
            else (
                ("since", "since"),
                ("as of", "since"),
                ("starting from", "since"),
                ("starting on", "since"),
                ("starting in", "since"),
                ("starting", "since"),
                ("beginning from", "since"),
                ("beginning on", "since"),
                ("beginning in", "since"),
                ("on or after", "since"),
                ("after", "after"),
                ("later than", "after"),
                ("before", "before"),
                ("prior to", "before"),
                ("earlier than", "before"),
                ("until", "until"),
                ("till", "until"),
                ("til", "until"),
                ("up to", "until"),
                ("up until", "until"),
                ("through", "until"),
                ("thru", "until"),
                ("on or before", "until"),
                ("no later than", "until"),
            )
        )
        for words, kind in keywords:
            j = self.seq(i, words)
            if j is None:
                continue
            inner = self.point_core(j, strong=True)
            if inner is not None and not isinstance(inner[0], Vague):
                best = longest(best, (Bound(kind=kind, inner=inner[0]), inner[1]))
            elif inner is not None:
                best = longest(best, inner)
        # "from March on", "March onwards"
        start = self.skip(i, "from")
        inner = self.point_core(start, strong=start > i)
        if inner is not None and not isinstance(inner[0], Vague):
            j = self.one(inner[1], "onwards", "onward", "forward")
            if j is not None:
                best = longest(best, (Bound(kind="since", inner=inner[0]), j))
        # "older than 30 days", "more than 2 weeks ago"
        for words in ("older than", "more than", "over"):
            j = self.seq(i, words)
            counted = self.counted(j) if j is not None else None
            if counted is None:
                continue
            node, k = counted
            if words != "older than":
                if (k2 := self.one(k, "ago")) is None:
                    continue
                k = k2
            if isinstance(node, Vague):
                best = longest(best, (node, k))
            else:
                best = longest(best, (Bound(kind="before", inner=node), k))
        j = self.seq(i, "less than")
        counted = self.counted(j) if j is not None else None
        if counted is not None and (ago := self.one(counted[1], "ago")) is not None:
            best = longest(best, (counted[0], ago))
        return best

    # any point, memoised -------------------------------------------------

    def point_core(self, i: int, strong: bool) -> PointMatch | None:
        key = (i, strong)
        if key in self._memo:
            return self._memo[key]
        result = None
        if i < self.n:
            result = longest(
                self.day_with_time(i, strong),
                self.standalone_day_part(i),
                self.relative_unit(i),
                self.rolling(i),
                self.ago(i),
                self.to_date(i),
                self.month(i, strong),
                self.quarter(i),
                self.year(i, strong),
                self.weekend(i),
                self.iso(i),
                self.numeric_date(i, strong),
                self.recently(i),
            )
        self._memo[key] = result
        return result

    # vague ---------------------------------------------------------------

    def vague(self, i: int) -> Match | None:
        if self.word(i) is None:
            return None
        best: Match | None = None
        for words in (
            "a while ago",
            "a while back",
            "a while",
            "some time ago",
            "sometime ago",
            "some time back",
            "long ago",
            "a long time ago",
            "not long ago",
            "ages ago",
            "the other day",
            "way back",
            "a bit ago",
        ):
            if (j := self.seq(i, words)) is not None:
                best = longest(best, (Vague(reason=f"{words!r} is not a definite time"), j))
        if (w := self.word(i)) in APPROXIMATE:
            inner = self.ago(i + 1)
            if inner is not None:
                reason = "an approximate time; give the exact period"
                best = longest(best, (Vague(reason=reason), inner[1]))
        j = self.skip(i, "in")
        if (k := self.one(j, "recent")) is not None and self.unit(k) is not None:
            best = longest(
                best, (Vague(reason="'recent' with a unit is not a definite period"), k + 1)
            )
        if w in VAGUE_PARTS:
            inner = self.point_core(self.skip_punct(i + 1, "-"), strong=True)
            if inner is not None:
                reason = f"'{w} ...' names part of a period without saying which part"
                best = longest(best, (Vague(reason=reason), inner[1]))
        j = self.skip(i, "the")
        for part in ("beginning", "start", "end", "middle"):
            if (k := self.seq(j, f"{part} of")) is not None:
                inner = self.point_core(k, strong=True)
                if inner is not None:
                    reason = f"'the {part} of ...' names part of a period without saying which part"
                    best = longest(best, (Vague(reason=reason), inner[1]))
        if (k := self.seq(i, "next weekend")) is not None:
            reason = "'next weekend' could mean the coming weekend or the one after"
            best = longest(best, (Vague(reason=reason), k))
        if (k := self.one(i, "at")) is not None and self.clock(k) is not None:
            best = longest(best, (Vague(reason="a clock time needs a day"), k + 1))
        return best
