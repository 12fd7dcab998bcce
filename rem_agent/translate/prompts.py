"""The chat a model sees, in one of two styles:

- few-shot (the base model): a system prompt rendered from the catalog, a few similar
  worked examples, then the request with its resolved dates;
- compact (a model with a REM adapter): a short fixed system message, then the request
  with its resolved dates. The adapter learned the catalog and the examples' lessons in
  training (`rem_agent/train/`), which builds its data with this same prompt.

The words live in `prompts/` (system.md, compact.md, examples.yaml); this module only
loads, selects and assembles them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from rem_agent.dates import resolve_dates
from rem_agent.engines.base import ChatMessage
from rem_agent.errors import UsageError
from rem_agent.interval import Interval
from rem_agent.rem.catalog import Catalog, FieldType, TableSpec
from rem_agent.rem.check import check_rem
from rem_agent.rem.profile import PROFILE_RULES, Profile
from rem_agent.resources import data_dir
from rem_agent.text import content_words, defuse_chat_markup
from rem_agent.translate.request import RequestText


class Example(BaseModel):
    """One worked example, with what the resolver says of its request."""

    model_config = ConfigDict(frozen=True)

    request: str
    rem: str
    p8fs: str | None = None
    intervals: tuple[Interval, ...] = ()  # what the resolver says of its request
    # What selection compares: the request without its date phrases and without the names
    # in it (capitalised after the first word), so "who is priya patel" is not matched to
    # an example about Priya that asks something else.
    compared: str = ""

    def answer(self, profile: Profile) -> str:
        return self.p8fs if profile is Profile.P8FS and self.p8fs else self.rem


PromptStyle = Literal["few-shot", "compact"]


class BuiltPrompt(BaseModel):
    messages: list[ChatMessage]
    examples: list[Example]
    static_messages: int  # leading messages that are the same for every request


def dates_line(dates: Sequence[Interval]) -> str:
    """How resolved dates reach the model: phrase, then the literals to copy."""
    if not dates:
        return "Dates: none"
    parts = []
    for rng in dates:
        start, end = rng.start, rng.end
        bounds = " ".join(
            b for b in (f"from '{start}'" if start else "", f"until '{end}'" if end else "") if b
        )
        parts.append(f'"{rng.text}" = {bounds}')
    return "Dates: " + "; ".join(parts)


def user_turn(request: str, dates: Sequence[Interval]) -> ChatMessage:
    """The one way a request reaches the model, examples included."""
    return ChatMessage(
        role="user", content=f"Request: {defuse_chat_markup(request)}\n{dates_line(dates)}"
    )


def _describe_field(table: TableSpec, name: str) -> str:
    spec = table.field(name)
    assert spec is not None
    note = {
        FieldType.ENUM: "one of " + "|".join(spec.values),
        FieldType.JSON_ARRAY: "tags",
        FieldType.TIMESTAMP: "time",
        FieldType.INT: "number",
        FieldType.NUMBER: "number",
        FieldType.BOOL: "true/false",
        FieldType.JSON: "json",
    }.get(spec.type)
    return f"{name} ({note})" if note else name


def render_tables(catalog: Catalog) -> str:
    lines = []
    for table in catalog.tables:
        fields = ", ".join(_describe_field(table, f) for f in table.field_names if f != "id")
        about = f" - {table.description}" if table.description else ""
        lines.append(f"- {table.name}{about}. Fields: {fields}.")
    return "\n".join(lines)


def _profile_notes(profile: Profile) -> str:
    rules = PROFILE_RULES[profile]
    missing = []
    if not rules.search_where:
        missing.append("no WHERE or LIMIT after SEARCH (search without the filter)")
    if not rules.fuzzy:
        missing.append("no FUZZY (use SEARCH)")
    if not missing:
        return ""
    return "This p8fs deployment has " + "; ".join(missing) + "."


class PromptLibrary:
    """The system templates and the few-shot examples, loaded once from a folder."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or data_dir("prompts")
        try:
            self.system_template = (folder / "system.md").read_text(encoding="utf-8")
            self.compact_template = (folder / "compact.md").read_text(encoding="utf-8")
            data = yaml.safe_load((folder / "examples.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(f"cannot load prompts from {folder}: {exc}") from None
        self.examples_now = datetime.fromisoformat(str(data["now"]))
        self.examples_tz = str(data.get("tz", "UTC"))
        self.examples = []
        for item in data["examples"]:
            resolution = resolve_dates(item["request"], now=self.examples_now, tz=self.examples_tz)
            self.examples.append(
                Example(
                    **item,
                    intervals=resolution.intervals,
                    compared=_without_names(resolution.without_phrases(item["request"])),
                )
            )
        self._idf = self._inverse_document_frequency()

    def for_catalog(self, catalog: Catalog) -> CatalogPrompts:
        """The prompts of one catalog, its examples validated now (at load, not on the
        first request): a custom catalog may lack p8fs's tables, and its model must not
        be shown queries it cannot run."""
        usable = {
            profile: tuple(
                e
                for e in self.examples
                if check_rem(e.answer(profile), profile=profile, catalog=catalog).valid
            )
            for profile in Profile
        }
        return CatalogPrompts(library=self, catalog=catalog, usable=usable)

    # -- selection ------------------------------------------------------

    def _inverse_document_frequency(self) -> dict[str, float]:
        docs = [set(content_words(e.compared)) for e in self.examples]
        counts = Counter(w for doc in docs for w in doc)
        n = len(docs)
        return {w: math.log((n + 1) / (c + 0.5)) for w, c in counts.items()}

    def _score(self, words: set[str], has_dates: bool, example: Example) -> float:
        other = set(content_words(example.compared))
        shared = sum(self._idf.get(w, 1.0) for w in words & other)
        norm = math.sqrt(max(len(words), 1) * max(len(other), 1))
        return shared / norm + (0.15 if bool(example.intervals) == has_dates else 0.0)

    def select(
        self, request: str, k: int, *, has_dates: bool, pool: Sequence[Example] | None = None
    ) -> list[Example]:
        """The k examples most like the request, the most similar last (nearest the request)."""
        if k <= 0:
            return []
        words = set(content_words(request))
        ranked = sorted(
            enumerate(self.examples if pool is None else pool),
            key=lambda ie: (-self._score(words, has_dates, ie[1]), ie[0]),
        )
        return [example for _, example in ranked[:k]][::-1]

    # -- assembly -------------------------------------------------------

    def system_prompt(self, catalog: Catalog, profile: Profile) -> str:
        time_fields = ", ".join(f"{t.name}: {t.default_time_field}" for t in catalog.tables)
        return (
            self.system_template.replace("{tables}", render_tables(catalog))
            .replace("{time_fields}", time_fields)
            .replace("{profile_notes}", _profile_notes(profile))
            .strip()
        )

    def compact_system_prompt(self, catalog: Catalog, profile: Profile) -> str:
        """Tens of tokens, the same for every request of a profile (so its KV cache is kept).
        The default catalog is what the adapter was trained on; another adds its tables."""
        from rem_agent.rem.catalog import default_catalog

        tables = "" if catalog == default_catalog() else "\nTables:\n" + render_tables(catalog)
        notes = "" if profile is Profile.REM else f" Profile: {profile.value}."
        return (
            self.compact_template.replace("{profile_notes}", notes)
            .replace("{tables}", tables)
            .strip()
        )

    def build_compact(
        self, request: str, dates: Sequence[Interval], *, catalog: Catalog, profile: Profile
    ) -> BuiltPrompt:
        messages = [
            ChatMessage(role="system", content=self.compact_system_prompt(catalog, profile)),
            user_turn(request, dates),
        ]
        return BuiltPrompt(messages=messages, examples=[], static_messages=1)


@dataclass(frozen=True)
class CatalogPrompts:
    """A `PromptLibrary` bound to one catalog (`PromptLibrary.for_catalog`)."""

    library: PromptLibrary
    catalog: Catalog
    usable: Mapping[Profile, tuple[Example, ...]]  # examples whose answer is valid here

    def build(
        self,
        text: RequestText,
        dates: Sequence[Interval],
        *,
        profile: Profile,
        k: int,
        style: PromptStyle = "few-shot",
    ) -> BuiltPrompt:
        library, catalog = self.library, self.catalog
        if style == "compact":
            return library.build_compact(text.cleaned, dates, catalog=catalog, profile=profile)
        # Compared without date phrases: "kafka notes from last week" is about kafka notes,
        # and should not pick "conversations last week" for sharing "last week".
        examples = library.select(
            text.dateless, k, has_dates=bool(dates), pool=self.usable[profile]
        )
        messages = [ChatMessage(role="system", content=library.system_prompt(catalog, profile))]
        for example in examples:
            messages.append(user_turn(example.request, example.intervals))
            messages.append(ChatMessage(role="assistant", content=example.answer(profile)))
        messages.append(user_turn(text.cleaned, dates))
        return BuiltPrompt(messages=messages, examples=examples, static_messages=1)


def _without_names(text: str) -> str:
    first, *rest = text.split(" ", 1) if text.strip() else [""]
    return " ".join([first, *(w for w in " ".join(rest).split() if not w[:1].isupper())])
