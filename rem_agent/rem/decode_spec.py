"""What a decode grammar depends on: `DecodeSpec` and its `DecodeLimits`.

`rem_agent.translate.spec` builds the spec of one request; `rem.decode_grammar` turns a spec
into the grammar llguidance compiles. Equal specs give equal grammars.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rem_agent.interval import Interval
from rem_agent.rem.catalog import Catalog
from rem_agent.rem.profile import Profile


class DecodeLimits(BaseModel):
    """Caps on what a model may emit, so every decode ends within a bounded length.

    Without them a model that loops (a small or random one) never leaves a string,
    an edge name or an AND chain. The parser has no such caps: they only bound the
    decoder, and canonical text within them is always decodable (tested).
    """

    model_config = ConfigDict(frozen=True)

    text_chars: int = Field(100, ge=2)  # characters (an escape counts as one) in a string
    tag_chars: int = Field(40, ge=1)
    edge_chars: int = Field(40, ge=1)
    list_items: int = Field(8, ge=2)  # LOOKUP keys, IN values, tags
    edges: int = Field(4, ge=2)
    order_items: int = Field(3, ge=2)
    chain_terms: int = Field(6, ge=2)  # terms of one AND or OR chain
    nesting: int = Field(3, ge=0)  # parentheses inside WHERE
    nots: int = Field(1, ge=1)  # NOT x; NOT NOT x is x, and canonical text never repeats it


class DecodeSpec(BaseModel):
    """Everything a decoding grammar depends on; equal specs give equal text."""

    model_config = ConfigDict(frozen=True)

    catalog: Catalog
    limits: DecodeLimits = DecodeLimits()
    profile: Profile = Profile.REM
    # None: any well-formed timestamp with any operator. A tuple: only `f >= start`
    # and `f < end` of these ranges (an empty tuple forbids timestamp literals).
    time_ranges: tuple[Interval, ...] | None = None
    # The request named a time: the query must be a SEARCH or SELECT whose WHERE ends
    # with one resolved range on a timestamp field (`... AND f >= 's' AND f < 'e'`).
    # Only where the profile lets SEARCH filter (a p8fs SEARCH cannot carry a time).
    require_time: bool = False
    # None: quoted text may say anything. A tuple: search text, LOOKUP keys, FUZZY text
    # and tags are made of these words only (the request's own), joined by single
    # spaces; tags in lower case. The model picks words; it does not invent them.
    words: tuple[str, ...] | None = None
    # None: any timestamp field anywhere. A set of (table, field): the fields the request
    # names. On a table with none named, only its default time field takes a range or an
    # ORDER BY; IS [NOT] NULL on a timestamp only where the request names the field.
    named_time_fields: frozenset[tuple[str, str]] | None = None
    # None: any value of an enum field. A set of (table, field, value): the values the
    # request names ("meetings" names 'meeting'); other values cannot be written.
    enum_values: frozenset[tuple[str, str, str]] | None = None
    # None: any number. A tuple: the sizes (bytes) the request names, the only numbers a
    # field whose unit is bytes may take; and the counts it names, the only LIMITs.
    sizes: tuple[int, ...] | None = None
    counts: tuple[int, ...] | None = None
    # False: no SEARCH statement (a second decode, after a SEARCH that had no topic).
    search: bool = True
