"""The one decode loop both engines run: llguidance's matcher, jump-forward, stop rules.

An engine supplies a `KVSession`: "put the prompt in the KV cache, give me the last
logits" and "append these tokens, give me the last logits". Everything else lives here,
once: the token mask, greedy or seeded sampling, end of turn, the token budget, cancel,
jump-forward and the timings.

Jump-forward: after each sampled token, the tokens the grammar forces next
(`LLMatcher.compute_ff_tokens`, llguidance's own canonical tokenisation of the forced
bytes) are appended in the same batched evaluation as the sampled token, instead of one
model step each. They are exactly the tokens the mask would have allowed one by one
(llguidance masks a forced position down to its canonical token), so a greedy answer is
the same either way, only cheaper.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from rem_agent.engines.base import DecodeParams, DecodeStats, StopReason
from rem_agent.engines.bitmask import apply_token_bitmask_inplace
from rem_agent.engines.closing import MAX_CLOSING, Closer
from rem_agent.errors import RemAgentError

if TYPE_CHECKING:
    import llguidance

Logits = NDArray[np.float32]

log = logging.getLogger("rem_agent.engines")


class KVSession(Protocol):
    """One request's view of an engine's model and KV cache."""

    def prefill(self, tokens: list[int]) -> tuple[Logits, int]:
        """Evaluate the prompt (reusing what the cache holds): the logits after its last
        token, and how many of its tokens were already in the cache."""
        ...

    def feed(self, tokens: list[int]) -> Logits:
        """Append `tokens` to the sequence in one batched evaluation: the logits after
        the last of them."""
        ...

    def rewind(self, n: int) -> None:
        """Drop the last `n` tokens of the sequence from the KV cache."""
        ...


class DecodeResult(BaseModel):
    """The tokens one decode produced (end of turn excluded), how it ended, and its stats."""

    model_config = ConfigDict(frozen=True)

    tokens: list[int]
    stop_reason: StopReason
    stats: DecodeStats


MIN_REPEAT = 3
"""Fewest tokens in a repeated item (`'a'` is three)."""
MAX_GAP = 6
"""Most tokens between an item and its copy, which must be a separator alone."""
SEPARATORS = (b",", b"AND", b"OR")
MAX_UNDOS = 8
"""Repeats undone per decode, at most (each bans one token at one position)."""


class Repeat(NamedTuple):
    """An item and its verbatim copy at the end of the tokens, with a separator between."""

    separator: int  # where the separator after the first copy starts
    copy: int  # where the copy starts


def repeat_at(
    tokens: list[int], since: int, text_of: Callable[[list[int]], bytes]
) -> Repeat | None:
    """A verbatim repeat of an item of a list or chain that ends at or after `since`
    (where the new tokens begin): `x = 'a' AND x = 'a'`, `IN ('g', 'g'`, `"k", "k"`.
    The canonical form drops such repeats (rem.simplify); the decoder should not spend
    tokens on them. The copy must follow its original after one of `SEPARATORS` alone,
    so a date's digits or a word repeated inside a string are never a repeat."""
    for end in range(max(since, 2 * MIN_REPEAT + 1), len(tokens) + 1):
        for size in range(MIN_REPEAT, end // 2 + 1):
            item = tokens[end - size : end]
            for gap in range(1, MAX_GAP + 1):
                first_end = end - size - gap
                if first_end - size < 0:
                    break
                if tokens[first_end - size : first_end] != item:
                    continue
                if text_of(tokens[first_end : end - size]).strip() in SEPARATORS:
                    return Repeat(separator=first_end, copy=end - size)
    return None


def decode(
    session: KVSession,
    prompt: list[int],
    params: DecodeParams,
    *,
    matcher: llguidance.LLMatcher | None,
    closer: Closer | None = None,
    is_stop: Callable[[int], bool],
) -> DecodeResult:
    """Decode one turn after `prompt`, under `matcher` when given (with `closer`, the
    engine's `Closer` for its tokenizer).

    Ends at an end-of-turn token, when the grammar is complete and allows nothing more,
    at `params.max_tokens`, or when `params.cancel` is set (checked before every step).

    Under a grammar the answer is complete whenever the budget allows its shortest
    answer: in the last `MAX_CLOSING` tokens of the budget, every step must leave a
    closing that fits (`engines.closing`). A step that does not is undone, and the
    answer ends at its last complete prefix if it has one (a model looping in an AND
    chain keeps the chain it had completed), or else with the closing of the last state
    that had one.

    `params.jump_forward`: the tokens the grammar forces are appended in the same batch as
    the sampled one. `params.no_repeat` (under a grammar): when an item of a list or chain
    is repeated verbatim (`repeat_at`), the separator and the copy are undone and the
    separator's first token is banned there, so the list or chain ends; where the grammar
    allows nothing else (a required time range follows), only the copy is undone and its
    first token banned, so the model writes something else (at most `MAX_UNDOS` times).
    Raises `RemAgentError` when the matcher fails (the grammar ran out of fuel, say).
    """
    if matcher is not None and closer is None:
        raise ValueError("a constrained decode needs the engine's Closer")
    return _Decode(session, params, matcher, closer, is_stop).decode(prompt)


class _Decode:
    """The state of one decode: tokens so far, what was forced, undone and banned."""

    def __init__(
        self,
        session: KVSession,
        params: DecodeParams,
        matcher: llguidance.LLMatcher | None,
        closer: Closer | None,
        is_stop: Callable[[int], bool],
    ) -> None:
        import llguidance.numpy

        self.session, self.params, self.matcher, self.closer = session, params, matcher, closer
        self.is_stop, self.jump_forward = is_stop, params.jump_forward
        self.no_repeat = params.no_repeat and matcher is not None
        self.budget = params.max_tokens
        self.mask = (
            llguidance.numpy.allocate_token_bitmask(1, closer.vocab_size)
            if matcher is not None and closer is not None
            else None
        )
        self.rng = np.random.default_rng(params.seed) if params.temperature > 0 else None
        self.tokens: list[int] = []
        self.fed = 0  # of `tokens`, how many are in the KV cache
        self.steps_at: list[int] = []  # len(tokens) before each step, to undo steps
        self.accepting_at: list[int] = []  # lengths at which the grammar accepted
        self.banned: dict[int, set[int]] = {}  # position -> tokens not to sample there
        self.forced = self.steps = self.dropped = self.closed = self.undone = 0
        # The model's free choices (steps where more than one token was allowed): how sure
        # it was, for the answer's confidence. Forced tokens say nothing of the model.
        self.choices, self.choice_logprob, self.min_choice_logprob = 0, 0.0, 0.0
        self.guarded = matcher is not None  # keep a closing that fits near the budget's end

    def decode(self, prompt: list[int]) -> DecodeResult:
        started = time.perf_counter()
        logits, cached = self.session.prefill(prompt)
        prefilled = time.perf_counter()
        stop_reason = self._loop(logits)
        finished = time.perf_counter()
        if stop_reason == "length" and self.matcher is not None and not self.closed:
            complete = self._complete()
            # Reached only once the guard was given up (no closing fit even from the
            # start): the answer may still have become complete since.
            if complete and complete < len(self.tokens):
                self.dropped += len(self.tokens) - complete
                self.tokens = self.tokens[:complete]
        stats = DecodeStats(
            prompt_tokens=len(prompt),
            cached_prompt_tokens=cached,
            generated_tokens=len(self.tokens),
            forced_tokens=self.forced,
            model_steps=self.steps,
            dropped_tokens=self.dropped,
            closed_tokens=self.closed,
            repeats_undone=self.undone,
            choices=self.choices,
            choice_logprob=self.choice_logprob,
            min_choice_logprob=self.min_choice_logprob,
            prefill_ms=(prefilled - started) * 1000,
            decode_ms=(finished - prefilled) * 1000,
        )
        return DecodeResult(tokens=self.tokens, stop_reason=stop_reason, stats=stats)

    def _note_choice(self, logits: Logits, token: int) -> None:
        allowed = logits[np.isfinite(logits)].astype(np.float64)
        if allowed.size < 2 or not np.isfinite(logits[token]):
            return
        top = allowed.max()
        logprob = float(logits[token] - top - np.log(np.exp(allowed - top).sum()))
        self.choices += 1
        self.choice_logprob += logprob
        self.min_choice_logprob = min(self.min_choice_logprob, logprob)

    def _complete(self) -> int:
        return self.accepting_at[-1] if self.accepting_at else 0

    def _loop(self, logits: Logits) -> StopReason:
        import llguidance.numpy

        matcher, params, tokens = self.matcher, self.params, self.tokens
        while True:
            if params.cancelled():
                return "cancelled"
            if matcher is not None:
                assert self.mask is not None
                llguidance.numpy.fill_next_token_bitmask(matcher, self.mask, 0)
                _check(matcher)
                apply_token_bitmask_inplace(logits, self.mask)
                for token in self.banned.get(len(tokens), ()):
                    logits[token] = -np.inf
            token = _sample(logits, params.temperature, self.rng)
            self._note_choice(logits, token)
            if self.is_stop(token) or not np.isfinite(logits[token]):
                return "stop"
            step_start = len(tokens)
            self.steps_at.append(step_start)
            if matcher is not None and not matcher.consume_token(token):
                _check(matcher)
            tokens.append(token)
            if matcher is not None and self.jump_forward and len(tokens) < self.budget:
                ahead = matcher.compute_ff_tokens()[: self.budget - len(tokens)]
                if ahead:
                    if not matcher.consume_tokens(ahead):
                        _check(matcher)
                    tokens += ahead
                    self.forced += len(ahead)
            if self.no_repeat and self.undone < MAX_UNDOS:
                assert self.closer is not None
                repeat = repeat_at(tokens, step_start + 1, self.closer.bytes_of)
                if repeat is not None and not self._forced_copy(repeat):
                    logits = self._undo_repeat(repeat, logits)
                    continue
            if matcher is not None and matcher.is_stopped():
                _check(matcher)
                return "stop"  # complete, and nothing but the end of turn may follow
            if matcher is not None and matcher.is_accepting():
                self.accepting_at.append(len(tokens))
            if self.guarded and self.budget - len(tokens) < MAX_CLOSING and self._must_end():
                return "length"
            if len(tokens) >= self.budget:
                return "length"
            logits = self.session.feed(tokens[self.fed :])
            self.fed = len(tokens)
            self.steps += 1

    def _truncate(self, length: int) -> None:
        """Forget the tokens from `length` on (matcher, bookkeeping; not the KV cache)."""
        assert self.matcher is not None
        self.matcher.rollback(len(self.tokens) - length)
        del self.tokens[length:]
        self.steps_at = [s for s in self.steps_at if s < length]
        self.accepting_at = [a for a in self.accepting_at if a <= length]

    def _forced_copy(self, repeat: Repeat) -> bool:
        """Whether the grammar allows nothing but the separator where it starts and
        nothing but the copy where that starts (`BETWEEN x AND x` when the request named
        one size): then it is no loop, and undoing it would leave the model no token."""
        import llguidance.numpy

        assert self.matcher is not None and self.mask is not None
        forced = True
        for at in (repeat.separator, repeat.copy):
            self.matcher.rollback(len(self.tokens) - at)
            llguidance.numpy.fill_next_token_bitmask(self.matcher, self.mask, 0)
            forced = _allowed_count(self.mask) <= 1 + len(self.banned.get(at, ()))
            self.matcher.consume_tokens(self.tokens[at:])
            if not forced:
                break
        return forced

    def _undo_repeat(self, repeat: Repeat, logits: Logits) -> Logits:
        """Undo a repeat and ban the token that led into it; return the logits at the
        new end of the tokens (from the KV cache, re-evaluated where needed)."""
        import llguidance.numpy

        assert self.matcher is not None and self.mask is not None
        self.undone += 1
        tokens, original = self.tokens, list(self.tokens)
        at, ban = repeat.separator, original[repeat.separator]
        self._truncate(at)
        llguidance.numpy.fill_next_token_bitmask(self.matcher, self.mask, 0)
        if _allowed_count(self.mask) <= 1 + len(self.banned.get(at, ())):
            # The separator is all the grammar allows here: keep it, drop the copy.
            kept = original[repeat.separator : repeat.copy]
            self.matcher.consume_tokens(kept)
            tokens += kept
            at, ban = repeat.copy, original[repeat.copy]
        self.banned.setdefault(at, set()).add(ban)
        if at > self.fed:  # part of the step survives: evaluate it
            logits = self.session.feed(tokens[self.fed :])
            self.steps += 1
        elif at < self.fed:  # the undone tokens reach back into the cache
            self.session.rewind(self.fed - at + 1)
            logits = self.session.feed(tokens[at - 1 : at])
            self.steps += 1
        # at == fed: the logits this step sampled from are the ones after tokens[:at].
        self.fed = at
        return logits

    def _must_end(self) -> bool:
        """Keep a closing that fits the budget; False while one exists, else end the
        answer (cut to its last complete prefix, or closed from an earlier state)."""
        matcher, closer = self.matcher, self.closer
        assert matcher is not None and closer is not None
        left = self.budget - len(self.tokens)
        if _closing(closer, matcher, left) is not None:
            return False
        complete = self._complete()
        if complete:
            self.dropped += len(self.tokens) - complete
            del self.tokens[complete:]
            return True
        length = len(self.tokens)
        for start in reversed(self.steps_at):
            matcher.rollback(length - start)
            length = start
            ending = _closing(closer, matcher, self.budget - length)
            if ending is not None:
                self.dropped += len(self.tokens) - length
                self.closed = len(ending)
                self.tokens[length:] = ending
                return True
        # Not even the start can finish in this budget (the closer found no ending short
        # enough): no guarantee to keep; the model goes on.
        matcher.consume_tokens(self.tokens)
        self.guarded = False
        return False


def _allowed_count(mask: NDArray[np.int32]) -> int:
    return int(np.unpackbits(mask.view(np.uint8)).sum())


def _closing(closer: Closer, matcher: llguidance.LLMatcher, limit: int) -> list[int] | None:
    """The quick closing, or the thorough one when the quick one is too long."""
    ending = closer.closing(matcher, limit=limit)
    if ending is None:
        ending = closer.closing(matcher, limit=limit, thorough=True)
    return ending


def _sample(logits: Logits, temperature: float, rng: np.random.Generator | None) -> int:
    if rng is None:
        return int(np.argmax(logits))
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max()
    probs = np.exp(scaled)
    probs /= probs.sum()
    return int(rng.choice(probs.shape[-1], p=probs))


def _check(matcher: llguidance.LLMatcher) -> None:
    if matcher.is_error():
        # llguidance appends its parser state and the whole grammar: for the log, not people.
        detail = matcher.get_error()
        log.debug("llguidance: %s", detail)
        first_line = detail.split("\n", 1)[0].strip()
        raise RemAgentError(f"constrained decoding failed: {first_line}")
