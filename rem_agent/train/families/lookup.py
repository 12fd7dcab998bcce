"""LOOKUP families: one entity (a person, project, team or company), then several."""

from __future__ import annotations

import random

from rem_agent.train.family import Draft, family, lookup_query, sometimes_lower
from rem_agent.train.vocabulary import (
    COMPANIES,
    FIRST,
    LAST,
    PROJECTS,
    TEAMS,
    WORLD_NAMES,
    person,
    title,
)

# LOOKUP: one entity


@family("lookup", weight=1.5)
def who_is(rng: random.Random) -> Draft:
    name = person(rng)
    verb = rng.choice(("who is", "who's", "whos", "who is", "tell me about", "info on"))
    mark = rng.choice(("", "", "?"))
    return Draft(f"{verb} {sometimes_lower(rng, name)}{mark}", lookup_query(title(name)))


@family("lookup")
def bare_name(rng: random.Random) -> Draft:
    name = (
        f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.7 else rng.choice(WORLD_NAMES)
    )
    return Draft(sometimes_lower(rng, name), lookup_query(title(name)))


@family("lookup")
def project_entity(rng: random.Random) -> Draft:
    proj = rng.choice(PROJECTS)
    shape = rng.randrange(4)
    if shape == 0:
        return Draft(f"project {proj.lower()}", lookup_query(f"Project {proj}"))
    if shape == 1:
        verb = rng.choice(("open", "show", "pull up"))
        return Draft(f"{verb} the {proj} project", lookup_query(proj))
    if shape == 2:
        return Draft(f"what is {proj}", lookup_query(proj))
    return Draft(f"{rng.choice(('lookup', 'look up', 'find'))} {proj.lower()}", lookup_query(proj))


@family("lookup")
def org_entity(rng: random.Random) -> Draft:
    if rng.random() < 0.5:
        team = rng.choice(TEAMS)
        return Draft(
            f"{rng.choice(('info on the', 'the', 'show me the'))} {team}", lookup_query(team)
        )
    company = rng.choice(COMPANIES)
    return Draft(f"{rng.choice(('pull up', 'open', 'show'))} {company}", lookup_query(company))


@family("lookup", holdout=True)
def profile_of(rng: random.Random) -> Draft:
    name = person(rng)
    shape = rng.choice(("show me {n}'s profile", "{n} details", "what do we have on {n}"))
    return Draft(shape.format(n=sometimes_lower(rng, name)), lookup_query(title(name)))


@family("lookup")
def other_language(rng: random.Random) -> Draft:
    name = person(rng)
    verb = rng.choice(("quién es", "qui est", "wer ist", "chi è", "quem é"))
    return Draft(f"{verb} {name}", lookup_query(title(name)))


# LOOKUP: several entities


def _people(rng: random.Random, n: int) -> list[str]:
    names: list[str] = []
    while len(names) < n:
        name = person(rng) if rng.random() < 0.4 else rng.choice(FIRST)
        if name not in names:
            names.append(name)
    return names


@family("lookup_multi", weight=1.2)
def several_people(rng: random.Random) -> Draft:
    names = _people(rng, rng.choice((2, 2, 3)))
    joined = ", ".join(names[:-1]) + f" and {names[-1]}"
    lead = rng.choice(("show me ", "who are ", "get ", "", "look up "))
    text = f"{lead}{joined}"
    return Draft(
        sometimes_lower(rng, text) if not lead else text, lookup_query(*(title(n) for n in names))
    )


@family("lookup_multi")
def name_list(rng: random.Random) -> Draft:
    names = _people(rng, rng.choice((2, 3, 4)))
    return Draft(", ".join(names), lookup_query(*names))


@family("lookup_multi", holdout=True)
def projects_pair(rng: random.Random) -> Draft:
    a, b = rng.sample(PROJECTS, 2)
    if rng.random() < 0.5:
        return Draft(f"{a} and {b}", lookup_query(a, b))
    return Draft(f"info on {a} & {b}", lookup_query(a, b))
