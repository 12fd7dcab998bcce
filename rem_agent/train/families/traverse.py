"""TRAVERSE families: who reports to or manages whom, and what is connected to an entity."""

from __future__ import annotations

import random

from rem_agent.train.family import Draft, family, quote, sometimes_lower
from rem_agent.train.vocabulary import (
    COMPANIES,
    FIRST,
    PROJECTS,
    TEAMS,
    TOPICS,
    bare_topic,
    person,
    title,
)


def _traverse(edge: str, key: str, depth: int = 1) -> str:
    edges = f"{edge} " if edge else ""
    return f"TRAVERSE {edges}WITH LOOKUP {quote(key)} DEPTH {depth}"


@family("traverse", weight=1.0)
def reports_to(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.choice(
        ("who reports to {n}", "who reports to {n}?", "{n}'s team", "{n}'s direct reports")
    )
    edge = "reports-to" if shape.startswith("who reports") else "manages"
    return Draft(shape.format(n=sometimes_lower(rng, name)), _traverse(edge, title(name)))


@family("traverse")
def manages(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.choice(("who does {n} manage", "{n}'s reports", "people {n} manages"))
    return Draft(shape.format(n=sometimes_lower(rng, name)), _traverse("manages", title(name)))


@family("traverse")
def manager_of(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.choice(("{n}'s manager", "who does {n} report to", "who is {n}'s boss"))
    return Draft(shape.format(n=name), _traverse("reports-to", name))


@family("traverse")
def two_levels(rng: random.Random) -> Draft:
    name = person(rng)
    if rng.random() < 0.5:
        return Draft(f"{name}'s reports and their reports", _traverse("manages", name, 2))
    return Draft(f"{name}'s manager and their manager", _traverse("reports-to", name, 2))


@family("traverse")
def connected(rng: random.Random) -> Draft:
    shape = rng.randrange(4)
    if shape == 0:
        proj = rng.choice(PROJECTS)
        return Draft(
            f"everything connected to project {proj.lower()}", _traverse("", f"Project {proj}")
        )
    if shape == 1:
        name = person(rng)
        # p8fs cannot run an edge name holding "with": all edges instead.
        return Draft(
            f"who works with {name}", _traverse("works-with", name), p8fs=_traverse("", name)
        )
    if shape == 2:
        proj = rng.choice(PROJECTS)
        return Draft(f"what edges does {proj} have", _traverse("", proj, 0))
    name = rng.choice(FIRST)
    n = rng.randint(2, 3)
    return Draft(f"show the graph around {name.lower()}, {n} hops", _traverse("", name, n))


@family("traverse")
def related_to_topic(rng: random.Random) -> Draft:
    topic = bare_topic(rng.choice(TOPICS))
    lead = rng.choice(("people related to the", "who is linked to the", "what connects to the"))
    return Draft(f"{lead} {topic}", f"TRAVERSE WITH SEARCH {quote(topic)} DEPTH 1")


@family("traverse", holdout=True)
def boss_chain(rng: random.Random) -> Draft:
    name = person(rng)
    if rng.random() < 0.5:
        return Draft(f"who is above {name}", _traverse("reports-to", title(name)))
    return Draft(f"who is under {name}", _traverse("manages", title(name)))


@family("traverse")
def other_edges(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.randrange(4)
    if shape == 0:
        return Draft(f"projects owned by {name}", _traverse("owns", name))
    if shape == 1:
        team = rng.choice(TEAMS)
        return Draft(f"who is on the {team}", _traverse("member-of", team))
    if shape == 2:
        return Draft(f"who reports to or manages {name}", _traverse("reports-to,manages", name))
    return Draft(f"{name}'s manager's manager", _traverse("reports-to", name, 2))


@family("traverse")
def entity_relations(rng: random.Random) -> Draft:
    entity = rng.choice([*COMPANIES, *PROJECTS])
    lead = rng.choice(("relationships of", "everything linked to", "what is connected to"))
    return Draft(f"{lead} {entity}", _traverse("", entity))
