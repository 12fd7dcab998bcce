"""What a phrasing family is (`Draft`, `Family`), the `family` decorator that registers one,
`declared_in` that lists them by module, and the helpers that write REM answers."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from rem_agent.rem.render import quote_double as quote


@dataclass(frozen=True)
class Draft:
    """One request and its answer; `when` lists the time phrases in the request, in order."""

    request: str
    rem: str
    when: tuple[str, ...] = ()
    # The p8fs profile's answer where it differs; None means the same as `rem`.
    p8fs: str | None = None


@dataclass(frozen=True)
class Family:
    name: str
    category: str
    make: Callable[[random.Random], Draft]
    weight: float = 1.0
    holdout: bool = False
    tags: tuple[str, ...] = field(default=())


Make = Callable[[random.Random], Draft]


# Every registered family, in the order the modules declare them.
_DECLARED: list[Family] = []


def family(category: str, *, weight: float = 1.0, holdout: bool = False) -> Callable[[Make], Make]:
    def register(make: Make) -> Make:
        _DECLARED.append(Family(make.__name__, category, make, weight, holdout))
        return make

    return register


def declared_in(*modules: ModuleType) -> list[Family]:
    """The families of `modules`, module by module, each in its declaration order (whatever
    order the modules were imported in). Every registered family must be in one of them."""
    out = [f for m in modules for f in _DECLARED if f.make.__module__ == m.__name__]
    if len(out) != len(_DECLARED):
        raise ValueError("phrasing families registered outside the modules given")
    return out


def lookup_query(*keys: str) -> str:
    return "LOOKUP " + ", ".join(quote(k) for k in keys)


def sometimes_lower(rng: random.Random, name: str) -> str:
    return name.lower() if rng.random() < 0.35 else name
