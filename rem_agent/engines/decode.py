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

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from rem_agent.engines.base import DecodeParams, StopReason
from rem_agent.engines.bitmask import apply_token_bitmask_inplace
from rem_agent.errors import RemAgentError

if TYPE_CHECKING:
    import llguidance

Logits = NDArray[np.float32]


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


class DecodeResult(BaseModel):
    """The tokens one decode produced (end of turn excluded) and how it went."""

    model_config = ConfigDict(frozen=True)

    tokens: list[int]
    stop_reason: StopReason
    prompt_tokens: int = Field(ge=0)
    cached_prompt_tokens: int = Field(ge=0)
    forced_tokens: int = Field(ge=0)  # of `tokens`, appended by jump-forward
    dropped_tokens: int = Field(default=0, ge=0)  # cut back to the last complete answer
    model_steps: int = Field(ge=0)  # batched evaluations after the prompt
    prefill_s: float = Field(ge=0)
    decode_s: float = Field(ge=0)


def decode(
    session: KVSession,
    prompt: list[int],
    params: DecodeParams,
    *,
    matcher: llguidance.LLMatcher | None,
    vocab_size: int = 0,
    is_stop: Callable[[int], bool],
    jump_forward: bool = True,
) -> DecodeResult:
    """Decode one turn after `prompt`, under `matcher` when given (`vocab_size`: the
    size of the matcher's tokenizer, which its masks cover).

    Ends at an end-of-turn token, when the grammar is complete and allows nothing more,
    at `params.max_tokens`, or when `params.cancel` is set (checked before every step).
    When the budget runs out under a grammar, the answer is cut back to its longest
    prefix the grammar accepts, if there is one (a model looping in an AND chain ends
    with the chain it had completed, not with half a predicate).
    Raises `RemAgentError` when the matcher fails (the grammar ran out of fuel, say).
    """
    import llguidance.numpy

    started = time.perf_counter()
    logits, cached = session.prefill(prompt)
    prefilled = time.perf_counter()
    mask = None
    if matcher is not None:
        mask = llguidance.numpy.allocate_token_bitmask(1, vocab_size)
    rng = np.random.default_rng(params.seed) if params.temperature > 0 else None
    tokens: list[int] = []
    forced = steps = 0
    complete = 0  # length of the longest prefix the grammar accepts
    stop_reason: StopReason = "length"
    while True:
        if params.cancelled():
            stop_reason = "cancelled"
            break
        if matcher is not None:
            assert mask is not None
            llguidance.numpy.fill_next_token_bitmask(matcher, mask, 0)
            _check(matcher)
            apply_token_bitmask_inplace(logits, mask)
        token = _sample(logits, params.temperature, rng)
        if is_stop(token):
            stop_reason = "stop"
            break
        if matcher is not None and not matcher.consume_token(token):
            _check(matcher)
        tokens.append(token)
        new = [token]
        if matcher is not None and jump_forward and len(tokens) < params.max_tokens:
            ahead = matcher.compute_ff_tokens()[: params.max_tokens - len(tokens)]
            if ahead:
                if not matcher.consume_tokens(ahead):
                    _check(matcher)
                tokens += ahead
                new += ahead
                forced += len(ahead)
        if matcher is not None and matcher.is_stopped():
            _check(matcher)
            stop_reason = "stop"  # complete, and nothing but the end of turn may follow
            break
        if matcher is not None and matcher.is_accepting():
            complete = len(tokens)
        if len(tokens) >= params.max_tokens:
            break
        logits = session.feed(new)
        steps += 1
    finished = time.perf_counter()
    dropped = 0
    if stop_reason == "length" and matcher is not None and complete and complete < len(tokens):
        dropped = len(tokens) - complete
        tokens = tokens[:complete]
    return DecodeResult(
        tokens=tokens,
        dropped_tokens=dropped,
        stop_reason=stop_reason,
        prompt_tokens=len(prompt),
        cached_prompt_tokens=cached,
        forced_tokens=forced,
        model_steps=steps,
        prefill_s=prefilled - started,
        decode_s=finished - prefilled,
    )


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
        raise RemAgentError(f"constrained decoding failed: {matcher.get_error()}")
