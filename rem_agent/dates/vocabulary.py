"""Date words beyond the parser's own tables: abbreviations read with a period.

Data only, kept out of the parser class; recognise.py reads it.
"""

from __future__ import annotations

# Abbreviations that, written with a period, are read as a date name on their own
# ("what happened fri."): with the period they are not an English word. Left out:
# sat, sun, may (words: "we sat in the sun.") and jan (a name).
PERIOD_ABBREVIATIONS: frozenset[str] = frozenset(
    "mon tue tues wed thu thur thurs fri feb mar apr jun jul aug sep sept oct nov dec".split()
)
