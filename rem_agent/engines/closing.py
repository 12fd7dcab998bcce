"""A short way to finish what a grammar has started: the decode loop's termination guarantee.

Grammar caps bound every string, list and chain, but their product is far beyond any
token budget, so caps alone cannot promise that a looping model ends in valid output.
The decode loop therefore keeps, near the end of its budget, a known *closing* for the
current state: tokens that take the matcher from where the model is to an accepting
state. A step whose closing no longer fits the budget is undone, and the answer ends
with the previous state's closing (`engines.decode`).

The closing is found greedily on a copy of the matcher, with llguidance deciding what is
allowed: tokens the grammar forces are taken as llguidance tokenises them; otherwise a
closing quote or parenthesis if allowed; otherwise the single byte after which the most
bytes are forced (so a time range or a keyword is chosen over a new predicate), ties
broken towards printable ASCII. It is not always the shortest closing, but it is valid by
construction (the matcher accepted every token) and found in a bounded number of steps.
"""

from __future__ import annotations

import llguidance
import llguidance.numpy
import numpy as np

from rem_agent.engines.bitmask import bitmask_bits

MAX_CLOSING = 64
"""Longest closing searched for, in tokens (a tz-aware time range is about 35)."""

MAX_CHOICES = 512
"""A thorough closing tries every allowed token at a choice between at most this many."""

_CLOSERS = (b'"', b"'", b")")


class Closer:
    """Closings for matchers of one tokenizer (the engine's; built once at load)."""

    def __init__(self, tokenizer: llguidance.LLTokenizer) -> None:
        self._tokenizer = tokenizer
        self.vocab_size = int(tokenizer.vocab_size)
        self._bytes: list[tuple[int, int]] = []  # (byte, its single-byte token)
        for value in range(256):
            tokens = tokenizer.tokenize_bytes(bytes([value]))
            if len(tokens) == 1:
                self._bytes.append((value, tokens[0]))
        # Printable ASCII first, then the rest (a partial UTF-8 character needs its bytes).
        self._bytes.sort(key=lambda bt: (not 0x20 <= bt[0] < 0x7F, bt[0]))
        by_byte = dict(self._bytes)
        self._single = frozenset(by_byte.values())
        self._closers = [by_byte[c[0]] for c in _CLOSERS if c[0] in by_byte]
        self._mask = llguidance.numpy.allocate_token_bitmask(1, self.vocab_size)

    def bytes_of(self, tokens: list[int]) -> bytes:
        """The bytes `tokens` stand for."""
        return bytes(self._tokenizer.decode_bytes(tokens))

    def _allowed(self, token: int) -> bool:
        """Bit `token` of the mask last filled."""
        return bool((int(self._mask[0, token >> 5]) >> (token & 31)) & 1)

    def closing(
        self, matcher: llguidance.LLMatcher, limit: int = MAX_CLOSING, *, thorough: bool = False
    ) -> list[int] | None:
        """Tokens that bring `matcher` (not changed) to an accepting state: [] when it
        accepts already, None when none of at most `limit` tokens was found.

        `thorough`: at a choice between at most `MAX_CHOICES` allowed tokens, try every
        one of them, not only single bytes (so a whole field name that leads straight to
        the required time range is found); slower, for when the quick closing is too long.
        """
        m = matcher.deep_copy()
        out: list[int] = []
        while len(out) <= limit:
            if m.is_accepting():
                return out
            if m.is_stopped() or m.is_error():
                return None
            forced = m.compute_ff_tokens()
            if forced:
                if not m.consume_tokens(forced):
                    return None
                out += forced
                continue
            llguidance.numpy.fill_next_token_bitmask(m, self._mask, 0)
            pick = next((t for t in self._closers if self._allowed(t)), None)
            if pick is None:
                pick = self._most_forcing(m, thorough=thorough)
            if pick is None or not m.consume_token(pick):
                return None
            out.append(pick)
        return None

    def _most_forcing(self, m: llguidance.LLMatcher, *, thorough: bool) -> int | None:
        """The allowed token after which the matcher accepts, or else forces the most
        bytes (first in the printable-first order on a tie); single bytes only unless
        `thorough` and there are few allowed tokens."""
        best: tuple[bool, int] | None = None
        pick = None
        allowed = [t for _, t in self._bytes if self._allowed(t)]
        if thorough:
            every = np.flatnonzero(bitmask_bits(self._mask, self.vocab_size)[0])
            if len(every) <= MAX_CHOICES:
                allowed += [int(t) for t in every if int(t) not in self._single]
        for token in allowed:
            trial = m.deep_copy()
            if not trial.consume_token(token):
                continue
            score = (trial.is_accepting(), len(trial.compute_ff_bytes()))
            if best is None or score > best:
                best, pick = score, token
            if score[0]:
                break
        return pick
