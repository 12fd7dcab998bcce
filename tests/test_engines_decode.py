"""The shared decode loop (`engines.decode`) on a scripted session: masks, jump-forward,
stop rules, the token budget and cancel, with llguidance's real matcher on a byte tokenizer."""

from __future__ import annotations

import threading

import llguidance
import numpy as np
import pytest

from rem_agent.engines.base import DecodeParams
from rem_agent.engines.decode import DecodeResult, decode
from rem_agent.errors import RemAgentError

TOKENIZER = llguidance.LLTokenizer("byte")
VOCAB = TOKENIZER.vocab_size
EOS = TOKENIZER.eos_token


class Scripted:
    """A 'model' that prefers bytes in a fixed order; records what it is fed."""

    def __init__(self, preference: bytes, *, eos_rank: int | None = None) -> None:
        self.logits = np.full(VOCAB, -10.0, dtype=np.float32)
        for rank, byte in enumerate(preference):
            self.logits[byte] = 100.0 - rank
        if eos_rank is not None:
            self.logits[EOS] = 100.0 - eos_rank
        self.fed: list[list[int]] = []
        self.prompt: list[int] = []

    def prefill(self, tokens: list[int]) -> tuple[np.ndarray, int]:
        self.prompt = list(tokens)
        return self.logits.copy(), 0

    def feed(self, tokens: list[int]) -> np.ndarray:
        self.fed.append(list(tokens))
        return self.logits.copy()


def matcher(lark: str) -> llguidance.LLMatcher:
    m = llguidance.LLMatcher(TOKENIZER, llguidance.LLMatcher.grammar_from_lark(lark))
    assert not m.is_error(), m.get_error()
    return m


def run(session: Scripted, lark: str | None, **params: object) -> tuple[str, DecodeResult]:
    result = decode(
        session,
        [1, 2, 3],
        DecodeParams(**params),  # type: ignore[arg-type]
        matcher=matcher(lark) if lark else None,
        vocab_size=VOCAB,
        is_stop=lambda t: t == EOS,
    )
    return bytes(result.tokens).decode(), result


KEYWORDS = 'start: "SELECT * FROM " ("moments" | "resources") (" LIMIT " /[1-9]/)?'


def test_forced_bytes_are_appended_in_one_step() -> None:
    session = Scripted(b"mr L5", eos_rank=3)
    text, result = run(session, KEYWORDS)
    assert text == "SELECT * FROM moments LIMIT 5"
    # 'S' sampled, 'ELECT * FROM ' forced; 'm' sampled, 'oments' forced, ...
    assert session.fed[0] == list(b"SELECT * FROM ")
    assert result.forced_tokens == len(text) - 4  # four bytes were the model's choice
    assert result.model_steps == len(session.fed)
    assert result.stop_reason == "stop"


def test_without_jump_forward_the_text_is_the_same_one_token_a_step() -> None:
    fast = run(Scripted(b"mr L5", eos_rank=3), KEYWORDS)
    slow_session = Scripted(b"mr L5", eos_rank=3)
    result = decode(
        slow_session,
        [1],
        DecodeParams(),
        matcher=matcher(KEYWORDS),
        vocab_size=VOCAB,
        is_stop=lambda t: t == EOS,
        jump_forward=False,
    )
    assert bytes(result.tokens).decode() == fast[0]
    assert result.forced_tokens == 0
    assert all(len(step) == 1 for step in slow_session.fed)
    assert result.model_steps > fast[1].model_steps


def test_a_complete_grammar_stops_without_another_model_step() -> None:
    session = Scripted(b"r")  # never asks for EOS itself
    text, result = run(session, 'start: "LOOKUP " ("a" | "r")')
    assert text == "LOOKUP r" and result.stop_reason == "stop"
    assert session.fed == [list(b"LOOKUP ")]  # the answer's last token is never fed


def test_end_of_turn_ends_an_accepting_answer() -> None:
    text, result = run(Scripted(b"r", eos_rank=0), KEYWORDS.replace('"resources"', '"r"'))
    assert text == "SELECT * FROM r" and result.stop_reason == "stop"


def test_budget_cuts_back_to_the_longest_complete_answer() -> None:
    grammar = 'start: item ("," item)*\nitem: "(" /[a-z]{1,5}/ ")"'
    # Prefers to go on: a comma whenever allowed, then letters, closing only when forced.
    text, result = run(Scripted(b",(a)"), grammar, max_tokens=16)
    assert text == "(aaaaa),(aaaaa)"
    assert result.stop_reason == "length" and result.dropped_tokens == 1


def test_budget_without_a_complete_prefix_returns_what_there_is() -> None:
    text, result = run(Scripted(b"a"), 'start: "(" /[a-z]{1,50}/ ")"', max_tokens=10)
    assert text == "(" + "a" * 9 and result.stop_reason == "length"
    assert result.dropped_tokens == 0


def test_unconstrained_decoding_is_greedy_until_the_budget() -> None:
    text, result = run(Scripted(b"z"), None, max_tokens=4)
    assert text == "zzzz" and result.stop_reason == "length"
    assert result.forced_tokens == 0 and result.model_steps == 3


def test_cancel_is_checked_before_every_step() -> None:
    cancel = threading.Event()

    class Cancelling(Scripted):
        def feed(self, tokens: list[int]) -> np.ndarray:
            cancel.set()
            return super().feed(tokens)

    text, result = run(Cancelling(b"z"), None, max_tokens=10, cancel=cancel)
    assert text == "z" and result.stop_reason == "cancelled"


def test_seeded_sampling_is_reproducible_and_follows_the_mask() -> None:
    flat = Scripted(b"")
    flat.logits[:] = 0.0  # every byte equally likely: the mask alone decides
    grammar = "start: /[ab]{8}/"
    one = run(flat, grammar, temperature=1.0, seed=3)[0]
    assert one == run(flat, grammar, temperature=1.0, seed=3)[0]
    assert set(one) <= {"a", "b"} and len(one) == 8
    others = {run(flat, grammar, temperature=1.0, seed=s)[0] for s in range(6)}
    assert len(others) > 1


def test_a_matcher_error_is_a_clear_error() -> None:
    m = matcher('start: "a"')
    m.consume_token(ord("b"))  # puts the matcher in its error state
    with pytest.raises(RemAgentError, match="constrained decoding failed"):
        decode(
            Scripted(b"a"),
            [1],
            DecodeParams(),
            matcher=m,
            vocab_size=VOCAB,
            is_stop=lambda t: t == EOS,
        )
