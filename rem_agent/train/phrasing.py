"""The phrasing library: how people ask for each kind of REM query, as families of
templates over a vocabulary.

A family is one way of asking ("who is {person}", "{person}'s manager"), with the REM
answer written the way the dev set writes it (REM.md §5). Whole families are held out
for validation (`holdout=True`): the adapter never sees those phrasings in training,
so the validation split measures generalisation, not recall. Every statement kind has
at least one held-out family.

In an answer, `{{field}}` stands for the filter on the request's time phrase, filled in
from `rem_agent.train.calendar` (never from the resolver under test).

The words are in `vocabulary`, the types in `family`, the families by statement kind in
`families/`; this module puts them in one list, `FAMILIES`.
"""

from __future__ import annotations

from rem_agent.train.families import fields, fuzzy, lookup, search, select, traverse
from rem_agent.train.family import Draft, Family, declared_in
from rem_agent.train.vocabulary import sloppy

__all__ = ["FAMILIES", "Draft", "Family", "families_by_category", "sloppy"]

# Written after the others, so registered last. Every seeded draw in `data` depends on the
# order of FAMILIES, so it stays the order the shipped adapter was trained on.
_WRITTEN_LAST = ("first_n_ever", "other_edges", "entity_relations")


def _in_written_order() -> list[Family]:
    grouped = declared_in(lookup, search, select, traverse, fuzzy, fields)
    by_name = {f.name: f for f in grouped}
    if len(by_name) != len(grouped):
        raise ValueError("two phrasing families share a name")
    return [f for f in grouped if f.name not in _WRITTEN_LAST] + [by_name[n] for n in _WRITTEN_LAST]


FAMILIES: list[Family] = _in_written_order()


def families_by_category() -> dict[str, list[Family]]:
    out: dict[str, list[Family]] = {}
    for fam in FAMILIES:
        out.setdefault(fam.category, []).append(fam)
    return out
