"""`rem-agent data build`: generated (request, now, tz, profile) -> REM pairs for LoRA
training, as chat JSONL in the shape `mlx_lm.lora --data DIR` reads.

Every target parses, validates and prints canonically under its profile, and its
dates come from the independent calendar (`rem_agent.train.calendar`); a pair whose
resolver dates disagree with the calendar is dropped and counted, never "fixed".
The prompt is the compact one the agent uses with an adapter (`PromptLibrary.build_compact`).

Written to DIR:
- train.jsonl / valid.jsonl: `{"messages": [system, user, assistant]}`; valid holds only
  held-out phrasing families (see `phrasing.Family.holdout`);
- heldout.jsonl: the held-out pairs as eval cases (the dev-set format `rem-agent eval` reads);
- stats.json: counts per statement, category, family, profile and zone.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from rem_agent.dates import resolve_dates
from rem_agent.evaluation.dataset import DateNote, DevCase, load_cases
from rem_agent.models.atomic import atomic_write_text
from rem_agent.rem.catalog import default_catalog
from rem_agent.rem.check import check_rem
from rem_agent.rem.profile import Profile
from rem_agent.train import phrasing, written
from rem_agent.train.calendar import condition, literals
from rem_agent.translate.prompts import PromptLibrary

DEFAULT_N = 5000
ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Europe/London",
    "America/Sao_Paulo",
)
# REM.md's worked-example time: many requests are asked "now", so it is common in the data.
REFERENCE_NOW = datetime(2026, 11, 26, 10, 30)
P8FS_SHARE = 0.15
SLOPPY_SHARE = 0.2
MAX_TRIES_PER_ROW = 40


class Pair(BaseModel):
    """One generated request with its answer and where it came from."""

    request: str
    now: str
    tz: str
    profile: Profile
    rem: str
    statement: str
    category: str
    family: str
    holdout: bool
    dates: list[DateNote] = []


class BuildReport(BaseModel):
    out: str
    train: int
    written: int = 0  # of `train`, pairs written by people that both labellers agreed on
    dropped_written_date_reading: int = 0  # written pairs whose dates the resolver reads otherwise
    valid: int
    heldout_cases: int
    dropped_date_disagreement: int
    dropped_duplicates: int
    by_statement: dict[str, int]
    by_category: dict[str, int]
    by_family: dict[str, int]
    by_profile: dict[str, int]
    by_zone: dict[str, int]


def normalise(text: str) -> str:
    """How requests are compared for duplicates and dev-set leakage."""
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


# The dev set lives beside the package in a source checkout; a wheel ships none.
DEVSET = Path(__file__).resolve().parents[2] / "eval" / "devset.jsonl"


def devset_requests(path: Path | None = None) -> set[str]:
    path = path or DEVSET
    return {normalise(c.nl) for c in load_cases(path)} if path.is_file() else set()


def blind_requests(path: Path | None = None) -> set[str]:
    """The blind set's requests (normalised): never trained on."""
    path = path or Path(__file__).resolve().parents[2] / "eval" / "blind"
    return {
        normalise(p.request)
        for f in sorted(path.glob("*.jsonl"))
        for p in written.read_lines(f, written.WrittenPair)[0]
    }


def written_pairs(folder: Path, *, exclude: set[str], counters: Counter[str]) -> list[Pair]:
    """The agreed pairs written by people (`train.written`), as training pairs. A pair whose
    dates the resolver reads otherwise (a date word inside a name, which the pipeline cannot
    yet read as a name) is dropped and counted, as generated pairs are."""
    out: list[Pair] = []
    for pair, canonical in written.agreed(folder)[0]:
        if normalise(pair.request) in exclude:
            counters["duplicates"] += 1
            continue
        bounds = [literals(p, written.REFERENCE_NOW, written.REFERENCE_TZ) for p in pair.when]
        resolution = resolve_dates(
            pair.request, now=datetime.fromisoformat(written.REFERENCE_NOW), tz=written.REFERENCE_TZ
        )
        resolved = [(r.start_literal(), r.end_literal()) for r in resolution.ranges]
        if resolved != bounds or resolution.unresolved:
            counters["written_date_reading"] += 1
            continue
        checked = check_rem(canonical, profile=pair.profile)
        assert checked.statement is not None  # agreed pairs are valid
        out.append(
            Pair(
                request=pair.request,
                now=written.REFERENCE_NOW,
                tz=written.REFERENCE_TZ,
                profile=pair.profile,
                rem=canonical,
                statement=checked.statement,
                category="written",
                family="written:" + pair.id.rsplit("-", 1)[0],
                holdout=False,
                dates=[
                    DateNote(phrase=p, start=s, end=e)
                    for p, (s, e) in zip(pair.when, bounds, strict=True)
                ],
            )
        )
    return out


def _random_now(rng: random.Random) -> datetime:
    if rng.random() < 0.35:
        return REFERENCE_NOW
    start = datetime(2025, 1, 1)
    moment = start + timedelta(minutes=rng.randrange(4 * 365 * 24 * 60))
    return moment.replace(second=0)


def _fill(template: str, bounds: list[tuple[str | None, str | None]]) -> str:
    def one(m: re.Match[str]) -> str:
        return condition(m[1], bounds[0])

    return re.sub(r"\{\{(\w+)\}\}", one, template)


def _pick(families: list[phrasing.Family], rng: random.Random) -> phrasing.Family:
    return rng.choices(families, weights=[f.weight for f in families])[0]


def generate_pairs(
    n: int,
    *,
    seed: int = 0,
    holdout: bool,
    exclude: set[str],
    counters: Counter[str],
) -> list[Pair]:
    """`n` distinct pairs from the held-out families (holdout=True) or the others."""
    rng = random.Random(f"{seed}-{holdout}")
    pool = [f for f in phrasing.FAMILIES if f.holdout is holdout]
    seen: set[tuple[str, Profile]] = set()
    pairs: list[Pair] = []
    tries = 0
    while len(pairs) < n:
        tries += 1
        if tries > n * MAX_TRIES_PER_ROW:
            raise RuntimeError(
                f"only {len(pairs)} distinct pairs after {tries} tries: the phrasing library "
                f"is too small for {n} {'held-out' if holdout else 'training'} pairs"
            )
        fam = _pick(pool, rng)
        draft = fam.make(rng)
        request = draft.request
        if rng.random() < SLOPPY_SHARE:
            request = phrasing.sloppy(request, rng)
            if fam.category != "lookup" and request.isupper():
                request = request.lower()  # upper-case topics would change the search text
        profile = Profile.P8FS if rng.random() < P8FS_SHARE else Profile.REM
        key = (normalise(request), profile)
        if key in seen or key[0] in exclude:
            counters["duplicates"] += 1
            continue
        tz = "UTC" if rng.random() < 0.65 else rng.choice(ZONES)
        now = _random_now(rng)
        pair = _pair(fam, draft, request, now, tz, profile, counters)
        if pair is None:
            continue
        seen.add(key)
        pairs.append(pair)
    return pairs


def _pair(
    fam: phrasing.Family,
    draft: phrasing.Draft,
    request: str,
    now: datetime,
    tz: str,
    profile: Profile,
    counters: Counter[str],
) -> Pair | None:
    now_text = now.isoformat(timespec="seconds")
    bounds = [literals(p, now_text, tz) for p in draft.when]
    resolution = resolve_dates(request, now=now, tz=tz)
    resolved = [(r.start_literal(), r.end_literal()) for r in resolution.ranges]
    if resolved != bounds or resolution.unresolved:
        counters["date_disagreement"] += 1
        return None
    answer = draft.p8fs if profile is Profile.P8FS and draft.p8fs else draft.rem
    target = _fill(answer, bounds)
    checked = check_rem(target, profile=profile)
    if not checked.valid or checked.canonical != target:
        why = checked.errors[0].message if checked.errors else f"canonical {checked.canonical!r}"
        raise ValueError(f"family {fam.name} wrote a bad answer {target!r}: {why}")
    assert checked.statement is not None
    return Pair(
        request=request,
        now=now_text,
        tz=tz,
        profile=profile,
        rem=target,
        statement=checked.statement,
        category=fam.category,
        family=fam.name,
        holdout=fam.holdout,
        dates=[
            DateNote(phrase=p, start=s, end=e) for p, (s, e) in zip(draft.when, bounds, strict=True)
        ],
    )


def chat_row(pair: Pair, prompts: PromptLibrary) -> dict[str, list[dict[str, str]]]:
    """The training row: exactly the compact prompt inference builds, plus the answer."""
    resolution = resolve_dates(pair.request, now=datetime.fromisoformat(pair.now), tz=pair.tz)
    built = prompts.build_compact(  # it defuses chat markup in the request, as inference does
        pair.request,
        resolution.intervals,
        catalog=default_catalog(),
        profile=pair.profile,
    )
    messages = [m.model_dump() for m in built.messages]
    messages.append({"role": "assistant", "content": pair.rem})
    return {"messages": messages}


def eval_case(pair: Pair, index: int) -> DevCase:
    return DevCase(
        id=f"heldout-{pair.category}-{index:04d}",
        nl=pair.request,
        now=pair.now,
        tz=pair.tz,
        profile=pair.profile,
        expected=pair.rem,
        category=pair.category,
        dates=pair.dates,
    )


def build_dataset(
    out: Path,
    *,
    n: int = DEFAULT_N,
    seed: int = 0,
    valid_share: float = 0.1,
    heldout_cases: int = 200,
    devset: Path | None = None,
    written: Path | None = None,
    blind: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Write train/valid/heldout JSONL and stats into `out`; see the module docstring."""
    if n < 10:
        from rem_agent.errors import UsageError

        raise UsageError(f"--n must be at least 10, not {n}")
    exclude = devset_requests(devset)
    counters: Counter[str] = Counter()
    n_valid = max(1, round(n * valid_share))
    say = progress or (lambda _msg: None)
    say(f"generating {n - n_valid} training and {n_valid} held-out pairs")
    train = generate_pairs(
        n - n_valid, seed=seed, holdout=False, exclude=exclude, counters=counters
    )
    held = generate_pairs(
        n_valid + heldout_cases, seed=seed, holdout=True, exclude=exclude, counters=counters
    )
    valid, cases = held[:n_valid], held[n_valid:]
    mine = (
        written_pairs(written, exclude=exclude | blind_requests(blind), counters=counters)
        if written is not None
        else []
    )
    train += mine
    prompts = PromptLibrary()
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train", train), ("valid", valid)):
        text = "".join(json.dumps(chat_row(p, prompts), ensure_ascii=False) + "\n" for p in rows)
        atomic_write_text(out / f"{name}.jsonl", text)
    atomic_write_text(
        out / "heldout.jsonl",
        "".join(eval_case(p, i).model_dump_json() + "\n" for i, p in enumerate(cases, 1)),
    )
    everything = train + held
    report = BuildReport(
        out=str(out),
        train=len(train),
        written=len(mine),
        dropped_written_date_reading=counters["written_date_reading"],
        valid=len(valid),
        heldout_cases=len(cases),
        dropped_date_disagreement=counters["date_disagreement"],
        dropped_duplicates=counters["duplicates"],
        by_statement=dict(Counter(p.statement for p in everything).most_common()),
        by_category=dict(Counter(p.category for p in everything).most_common()),
        by_family=dict(Counter(p.family for p in everything).most_common()),
        by_profile=dict(Counter(p.profile.value for p in everything).most_common()),
        by_zone=dict(Counter(p.tz for p in everything).most_common()),
    )
    atomic_write_text(out / "stats.json", report.model_dump_json(indent=2) + "\n")
    return report
