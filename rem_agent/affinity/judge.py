"""Edge affinity: how two p8fs resources relate, judged by the local model as schema-bound JSON.

p8fs links related resources with `SEE_ALSO` edges. `score_pair` asks the model (the same
engine that translates) for an `AffinityResult`, decoding under that model's JSON schema so
every answer parses and validates; `score_batch` turns JSONL pairs into p8fs-style edges,
one error per bad line, the rest of the batch still scored. The score is calibrated by
what the two texts share (`affinity.evidence`): the schema admits only the scores that
evidence allows, so a pair with no subject word in common never scores above 0.3.

The words the model sees live in `prompts/affinity.md` and `prompts/affinity_examples.yaml`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from rem_agent import text as text_module
from rem_agent.affinity.evidence import Band, Evidence, evidence
from rem_agent.engines.base import ChatMessage, DecodeStats, Engine, StopReason
from rem_agent.errors import RemAgentError, UsageError
from rem_agent.resources import data_dir

Relationship = Literal["SEE_ALSO", "PREREQUISITE", "CONTINUATION", "NONE"]
RELATIONSHIPS: tuple[str, ...] = get_args(Relationship)

MAX_TEXT_CHARS = 4000
"""Longest resource text scored (after cleaning): two of them plus the prompt fit the
4096-token context of the bundled model for ordinary prose."""
REASON_MAX_CHARS = 200
# Byte-level BPE: every token is at least one UTF-8 byte and a character at most four, so
# a reason of REASON_MAX_CHARS characters cannot take more than 4x as many tokens. With
# the JSON around it, this budget lets even a model that loops finish its object.
DEFAULT_MAX_TOKENS = 4 * REASON_MAX_CHARS + 64
DEFAULT_MIN_SCORE = 0.5
SCORES: tuple[float, ...] = tuple(round(i / 10, 1) for i in range(11))
# No quote, backslash or control character in a decoded reason: no escape sequences, so
# the string closes as soon as the model (or maxLength) says so.
_REASON_PATTERN = r'^[^"\\\x00-\x1f]*$'


def snap_score(value: float) -> float:
    """Round to one decimal, halves up (0.85 → 0.9), the scale the prompt asks for."""
    return math.floor(value * 10 + 0.5) / 10


class AffinityResult(BaseModel):
    """The model's judgement of resource A → resource B (fields in the order it writes them)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    affinity_score: float = Field(
        ge=0, le=1, description="0.0 unrelated … 1.0 the same content, one decimal"
    )
    reason: str = Field(min_length=1, max_length=REASON_MAX_CHARS)
    relationship: Relationship

    @field_validator("affinity_score")
    @classmethod
    def _snap(cls, value: float) -> float:
        return snap_score(value)


def decode_schema(band: Band | None = None) -> dict[str, Any]:
    """`AffinityResult`'s JSON schema, tightened for decoding: the score is one of the
    one-decimal values `band` allows (all 11 without one), the relationship one it allows,
    and the reason needs no escapes. Anything it admits validates."""
    schema = AffinityResult.model_json_schema()
    props = schema["properties"]
    scores = band.scores(SCORES) if band is not None else list(SCORES)
    props["affinity_score"] = {**props["affinity_score"], "enum": scores}
    props["reason"] = {**props["reason"], "pattern": _REASON_PATTERN}
    if band is not None and band.relationships is not None:
        props["relationship"] = {**props["relationship"], "enum": list(band.relationships)}
    return schema


def calibrated(result: AffinityResult, found: Evidence) -> AffinityResult:
    """`result` moved into the evidence's band (a no-op for a constrained answer)."""
    band = found.band
    relationship = result.relationship
    if band.relationships is not None and relationship not in band.relationships:
        relationship = band.relationships[0]  # type: ignore[assignment]
    score = band.clamp(result.affinity_score)
    if (score, relationship) == (result.affinity_score, result.relationship):
        return result
    return result.model_copy(update={"affinity_score": score, "relationship": relationship})


# -- input -------------------------------------------------------------------------------


def clean_text(text: object, *, what: str) -> str:
    """A resource's text for the prompt (`rem_agent.text.clean_text`, chat markup
    defused); refuses empty text or text over `MAX_TEXT_CHARS`."""
    return text_module.clean_text(text, what=what, limit=MAX_TEXT_CHARS)


# -- prompt ------------------------------------------------------------------------------


class AffinityExample(BaseModel):
    model_config = ConfigDict(frozen=True)

    a: str
    b: str
    answer: AffinityResult


def answer_text(result: AffinityResult) -> str:
    """`result` exactly as constrained decoding writes it: compact, and whole scores as
    `0`/`1` (the schema's enum renders them so; an example showing `0.0` would steer the
    model to `0.`, after which only 0.1 to 0.9 are allowed)."""
    data = result.model_dump()
    score = data["affinity_score"]
    data["affinity_score"] = int(score) if float(score).is_integer() else score
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def user_message(a: str, b: str) -> str:
    return f"Resource A:\n{a}\n\nResource B:\n{b}"


class AffinityPrompt:
    """The system prompt and worked examples, loaded once from a folder.

    The same examples are shown for every pair, in the same order, so the whole prefix
    before the pair stays in the engine's KV cache from one pair to the next.
    """

    def __init__(self, folder: Path | None = None, *, examples: int | None = None) -> None:
        """`examples`: show only the first N worked examples (None: all; 0: zero-shot)."""
        folder = folder or data_dir("prompts")
        try:
            self.system = (folder / "affinity.md").read_text(encoding="utf-8").strip()
            data = yaml.safe_load((folder / "affinity_examples.yaml").read_text(encoding="utf-8"))
            loaded = [AffinityExample.model_validate(e) for e in data["examples"]]
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValidationError) as exc:
            raise RemAgentError(f"cannot load the affinity prompt from {folder}: {exc}") from None
        self.examples = loaded if examples is None else loaded[: max(0, examples)]

    @property
    def static_messages(self) -> int:
        return 1 + 2 * len(self.examples)

    def messages(self, a: str, b: str) -> list[ChatMessage]:
        """The chat for one pair of already cleaned texts."""
        messages = [ChatMessage(role="system", content=self.system)]
        for example in self.examples:
            messages.append(ChatMessage(role="user", content=user_message(example.a, example.b)))
            messages.append(ChatMessage(role="assistant", content=answer_text(example.answer)))
        messages.append(ChatMessage(role="user", content=user_message(a, b)))
        return messages


@lru_cache(maxsize=1)
def default_prompt() -> AffinityPrompt:
    """The packaged prompt (read once per process)."""
    return AffinityPrompt()


# -- scoring -----------------------------------------------------------------------------


def parse_answer(text: str) -> AffinityResult:
    """The first JSON object in `text` as an `AffinityResult` (an unconstrained model may
    wrap it in prose or a code fence); ValueError says why there is none."""
    decoder = json.JSONDecoder()
    found: Any = None
    for match in re.finditer(r"\{", text):
        try:
            found, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        break
    if not isinstance(found, dict):
        raise ValueError("there is no JSON object in it")
    try:
        return AffinityResult.model_validate(found)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the object"
        raise ValueError(f"{where}: {first['msg']}") from None


class AffinityRun(BaseModel):
    """One call of the model on one pair: the result, or why there is none."""

    result: AffinityResult | None
    raw: str
    error: str | None = None
    constrained: bool
    evidence: Evidence
    model_result: AffinityResult | None = None  # the model's own answer, before calibration
    stop_reason: StopReason | None = None
    stats: DecodeStats | None = None


def run_pair(
    engine: Engine,
    a: str,
    b: str,
    *,
    constrain: bool = True,
    prompt: AffinityPrompt | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    calibrate: bool = True,
) -> AffinityRun:
    """Ask the model about one pair; a bad answer is reported in the run, not raised.

    `calibrate` (the default) bounds the score by the pair's lexical evidence
    (`affinity_evidence`): constrained, the schema only admits the band's scores;
    unconstrained, the answer is moved into the band. False: the model's word alone.

    Raises `UsageError` for bad text (empty, over `MAX_TEXT_CHARS`) and `RemAgentError`
    when the engine refuses the request (e.g. the prompt does not fit its context).
    """
    a = clean_text(a, what="text A")
    b = clean_text(b, what="text B")
    prompt = prompt or default_prompt()
    found = evidence(a, b)
    band = found.band if calibrate else None
    try:
        generation = engine.generate(
            prompt.messages(a, b),
            json_schema=decode_schema(band) if constrain else None,
            max_tokens=max_tokens,
            prefix_messages=prompt.static_messages,
        )
    except RemAgentError:
        raise
    except Exception as exc:  # the engine is third-party code: report, don't crash
        raise RemAgentError(f"the model failed: {type(exc).__name__}: {exc}") from exc
    run = AffinityRun(
        result=None,
        raw=generation.text,
        constrained=constrain,
        evidence=found,
        stop_reason=generation.stop_reason,
        stats=generation.stats,
    )
    try:
        answer = parse_answer(generation.text)
        result = calibrated(answer, found) if calibrate else answer
        return run.model_copy(update={"result": result, "model_result": answer})
    except ValueError as exc:
        cut = " (cut off at the token limit)" if generation.stop_reason == "length" else ""
        shown = generation.text if len(generation.text) <= 200 else generation.text[:200] + "…"
        error = f"the model's answer is not a valid affinity result{cut}: {exc}: {shown!r}"
        return run.model_copy(update={"error": error})


def score_pair(
    engine: Engine,
    a: str,
    b: str,
    *,
    constrain: bool = True,
    prompt: AffinityPrompt | None = None,
    calibrate: bool = True,
) -> AffinityResult:
    """How resource text `b` relates to `a`, judged by a loaded engine (see `run_pair`).

    Constrained (the default), decoding follows `decode_schema()`, so the answer always
    parses and validates. Raises `UsageError` for bad text and `RemAgentError` when the
    engine fails or an unconstrained answer is not a valid result.
    """
    run = run_pair(engine, a, b, constrain=constrain, prompt=prompt, calibrate=calibrate)
    if run.result is None:
        raise RemAgentError(run.error or "the model gave no answer")
    return run.result


# -- batch -------------------------------------------------------------------------------


class Resource(BaseModel):
    """One side of a pair: a p8fs resource (fields other than id and content are ignored)."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    content: str


class PairLine(BaseModel):
    """One JSONL line of a batch."""

    model_config = ConfigDict(extra="ignore")

    source: Resource
    target: Resource


class Edge(BaseModel):
    """A p8fs-style edge, `{"from", "to", "type", "score", "reason"}` once dumped by alias."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    type: Relationship
    score: float
    reason: str

    def json_line(self) -> str:
        return self.model_dump_json(by_alias=True)


class BatchItem(BaseModel):
    """What became of one non-blank input line."""

    line: int
    status: Literal["edge", "skipped", "error"]
    source_id: str | None = None
    target_id: str | None = None
    result: AffinityResult | None = None
    edge: Edge | None = None
    error: str | None = None


def parse_pair_line(text: str) -> PairLine:
    """One JSONL line as a pair; ValueError says what is wrong with it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    try:
        return PairLine.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        expected = '{"source": {"id", "content"}, "target": {"id", "content"}}'
        what = f"{where}: {first['msg']}" if where else first["msg"]
        raise ValueError(f"{what} (expected {expected})") from None


def score_batch(
    engine: Engine,
    lines: Iterable[str | bytes],
    *,
    constrain: bool = True,
    min_score: float = DEFAULT_MIN_SCORE,
    prompt: AffinityPrompt | None = None,
    calibrate: bool = True,
) -> Iterator[BatchItem]:
    """Score JSONL pairs one by one: an item per non-blank line, numbered from 1.

    A pair becomes an edge unless it is judged `NONE` or scores below `min_score`. A bad
    line (not JSON, missing fields, empty or huge text, an answer that is not valid) yields
    an `error` item naming the line, and the batch goes on.
    """
    if not 0.0 <= min_score <= 1.0:
        raise UsageError(f"the minimum score must be between 0 and 1, not {min_score}")
    prompt = prompt or default_prompt()
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            yield BatchItem(line=number, status="error", error=f"line {number}: not UTF-8 text")
            continue
        if not text.strip():
            continue
        try:
            pair = parse_pair_line(text)
        except ValueError as exc:
            yield BatchItem(line=number, status="error", error=f"line {number}: {exc}")
            continue
        ids = {"source_id": pair.source.id, "target_id": pair.target.id}
        try:
            a = clean_text(pair.source.content, what="the source content")
            b = clean_text(pair.target.content, what="the target content")
            run = run_pair(engine, a, b, constrain=constrain, prompt=prompt, calibrate=calibrate)
        except RemAgentError as exc:
            yield BatchItem(line=number, status="error", error=f"line {number}: {exc}", **ids)
            continue
        if run.result is None:
            yield BatchItem(line=number, status="error", error=f"line {number}: {run.error}", **ids)
            continue
        result = run.result
        if result.relationship == "NONE" or result.affinity_score < min_score:
            yield BatchItem(line=number, status="skipped", result=result, **ids)
            continue
        edge = Edge(
            from_=pair.source.id,
            to=pair.target.id,
            type=result.relationship,
            score=result.affinity_score,
            reason=result.reason,
        )
        yield BatchItem(line=number, status="edge", result=result, edge=edge, **ids)
