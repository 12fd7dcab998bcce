"""The shared decode loop (`engines.decode`) on a scripted session: masks, jump-forward,
stop rules, the token budget and cancel, with llguidance's real matcher on a byte tokenizer."""

from __future__ import annotations

import threading

import llguidance
import numpy as np
import pytest

from rem_agent.engines.base import DecodeParams
from rem_agent.engines.closing import Closer
from rem_agent.engines.decode import DecodeResult, decode, repeat_at
from rem_agent.errors import RemAgentError

TOKENIZER = llguidance.LLTokenizer("byte")
VOCAB = TOKENIZER.vocab_size
EOS = TOKENIZER.eos_token
CLOSER = Closer(TOKENIZER)


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
        self.sequence: list[int] = []  # what the KV cache would hold after the prompt

    def prefill(self, tokens: list[int]) -> tuple[np.ndarray, int]:
        self.prompt = list(tokens)
        return self.logits.copy(), 0

    def feed(self, tokens: list[int]) -> np.ndarray:
        self.fed.append(list(tokens))
        self.sequence += tokens
        return self.logits.copy()

    def rewind(self, n: int) -> None:
        del self.sequence[len(self.sequence) - n :]


def matcher(lark: str) -> llguidance.LLMatcher:
    m = llguidance.LLMatcher(TOKENIZER, llguidance.LLMatcher.grammar_from_lark(lark))
    assert not m.is_error(), m.get_error()
    return m


def run(
    session: Scripted,
    lark: str | None,
    *,
    no_repeat: bool = True,
    jump_forward: bool = True,
    **params: object,
) -> tuple[str, DecodeResult]:
    result = decode(
        session,
        [1, 2, 3],
        DecodeParams(no_repeat=no_repeat, jump_forward=jump_forward, **params),  # type: ignore[arg-type]
        matcher=matcher(lark) if lark else None,
        closer=CLOSER,
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
    assert result.stats.forced_tokens == len(text) - 4  # four bytes were the model's choice
    assert result.stats.model_steps == len(session.fed)
    assert result.stop_reason == "stop"


def test_without_jump_forward_the_text_is_the_same_one_token_a_step() -> None:
    fast = run(Scripted(b"mr L5", eos_rank=3), KEYWORDS)
    slow_session = Scripted(b"mr L5", eos_rank=3)
    result = decode(
        slow_session,
        [1],
        DecodeParams(jump_forward=False),
        matcher=matcher(KEYWORDS),
        closer=CLOSER,
        is_stop=lambda t: t == EOS,
    )
    assert bytes(result.tokens).decode() == fast[0]
    assert result.stats.forced_tokens == 0
    assert all(len(step) == 1 for step in slow_session.fed)
    assert result.stats.model_steps > fast[1].stats.model_steps


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
    text, result = run(Scripted(b",(a)"), grammar, max_tokens=16, no_repeat=False)
    assert text == "(aaaaa),(aaaaa)"
    assert result.stop_reason == "length" and result.stats.dropped_tokens == 1


def test_budget_closes_an_answer_that_has_no_complete_prefix() -> None:
    text, result = run(Scripted(b"a"), 'start: "(" /[a-z]{1,50}/ ")"', max_tokens=10)
    assert text == "(" + "a" * 8 + ")"  # the last 'a' undone, the parenthesis closed
    assert (result.stats.dropped_tokens, result.stats.closed_tokens) == (1, 1)


# Like a time-required WHERE: conditions first, then the one time range, which the
# closer must choose over yet another condition.
TIMED = (
    'start: "WHERE " (cond " AND ")* "created_at >= \'2026-11-16\' AND created_at < \'2026-11-23\'"\n'
    'cond: "name = \'" /[a-z]{1,20}/ "\'"'
)


@pytest.mark.parametrize("budget", [64, 75, 100, 130])
def test_a_looping_model_still_ends_with_the_required_time_range(budget: int) -> None:
    # Prefers another condition, and never to leave a string; the same condition each
    # time, so with no_repeat it would be stopped before the budget matters.
    text, result = run(Scripted(b"nxyz"), TIMED, max_tokens=budget, no_repeat=False)
    assert len(result.tokens) <= budget
    assert text.endswith("created_at >= '2026-11-16' AND created_at < '2026-11-23'"), text
    assert matcher(TIMED).consume_tokens(result.tokens)
    assert result.stats.closed_tokens > 0


def test_a_repeated_condition_before_a_required_time_range_gives_way_to_it() -> None:
    # The separator is all the grammar allows after a condition: the copy is undone, and
    # with the condition's first token banned the model writes the time range.
    text, result = run(Scripted(b"nxyz"), TIMED, max_tokens=130)
    assert text == (
        "WHERE name = '"
        + "n" * 20
        + "' AND created_at >= '2026-11-16' AND created_at < '2026-11-23'"
    )
    assert result.stats.repeats_undone == 1 and result.stats.closed_tokens == 0


def test_a_budget_too_small_for_any_answer_keeps_the_models_text() -> None:
    # The time range alone is 56 bytes: no closing fits in 40, so no guarantee, and
    # the model decodes on to the budget (its answer is invalid, which the agent says).
    text, result = run(Scripted(b"nxyz"), TIMED, max_tokens=40)
    assert len(text) == 40 and result.stats.closed_tokens == 0


def test_closer_finds_nothing_beyond_its_limit_and_leaves_the_matcher_alone() -> None:
    m = matcher(TIMED)
    m.consume_tokens(list(b"WHERE name = 'ab"))
    ending = CLOSER.closing(m)
    assert ending is not None
    assert (
        bytes(ending).decode() == "' AND created_at >= '2026-11-16' AND created_at < '2026-11-23'"
    )
    assert CLOSER.closing(m, limit=10) is None
    assert not m.is_accepting() and m.consume_tokens(ending) and m.is_accepting()
    assert CLOSER.closing(m) == []


def test_unconstrained_decoding_is_greedy_until_the_budget() -> None:
    text, result = run(Scripted(b"z"), None, max_tokens=4)
    assert text == "zzzz" and result.stop_reason == "length"
    assert result.stats.forced_tokens == 0 and result.stats.model_steps == 3


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


def decode_on(m: llguidance.LLMatcher, preference: bytes) -> DecodeResult:
    return decode(
        Scripted(preference),
        [1],
        DecodeParams(),
        matcher=m,
        closer=CLOSER,
        is_stop=lambda t: t == EOS,
    )


def test_a_matcher_error_is_a_clear_error() -> None:
    m = matcher('start: "a"')
    m.consume_token(ord("b"))  # puts the matcher in its error state
    with pytest.raises(RemAgentError, match="constrained decoding failed"):
        decode_on(m, b"a")


CHAIN = 'start: item (" AND " item)*\nitem: "x = \'" /[a-z]{1,3}/ "\'"'


def test_a_verbatim_repeat_is_undone_and_the_chain_ends() -> None:
    session = Scripted(b" xa'")  # "x = 'xxx' AND x = 'xxx' AND ..." forever, if let
    text, result = run(session, CHAIN, max_tokens=100)
    assert text == "x = 'xxx'"
    assert result.stats.repeats_undone == 1 and result.stop_reason == "stop"
    # The KV cache holds exactly the answer's tokens but the last, as after any decode.
    assert session.sequence == list(text.encode())[: len(session.sequence)]


def test_without_no_repeat_the_model_spends_its_budget_repeating() -> None:
    text, result = run(Scripted(b" xa'"), CHAIN, max_tokens=100, no_repeat=False)
    assert text.count("x = 'xxx'") > 5
    assert result.stats.repeats_undone == 0


def test_a_repeat_reaching_back_into_the_kv_cache_is_rewound() -> None:
    # Token by token, the repeat is found one token after it began in the cache.
    session = Scripted(b" xa'")
    text, result = run(session, CHAIN, max_tokens=100, jump_forward=False)
    assert text == "x = 'xxx'"
    assert session.sequence == result.tokens[: len(session.sequence)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("x = 'a' AND x = 'a'", (7, 12)),
        ("('g h', 'g h'", (6, 8)),
        ('"Sam", "Sam"', (5, 7)),
        ("x = 'a' OR x = 'a'", (7, 11)),
        ("00:00:00", None),  # no separator between the copies
        ("'kafka kafka'", None),  # a word repeated inside a string
        ("x = 'a' AND x = 'b'", None),
        ("x = 'a' AND y = 'b' AND x = 'a'", None),  # not adjacent: the canonical form drops it
    ],
)
def test_repeat_at(text: str, found: tuple[int, int] | None) -> None:
    tokens = list(text.encode())
    assert repeat_at(tokens, 0, CLOSER.bytes_of) == found


def test_a_grammar_error_is_one_line_for_people_not_llguidance_s_dump() -> None:
    """A lexer that runs out of its work budget fails the decode with llguidance's first
    line; its parser state and the whole grammar stay out of the message."""
    words = "|".join(f"{w}" for w in ("update", "delete", "insert", "drop", "alter", "create"))
    lark = f"start: \"x '\" SQ\nSQ: /(?:[^']|''){{0,100}}'/ & ~/.*(?:{words}).*/\n"
    tight = llguidance.LLParserLimits(step_lexer_fuel=2_000, initial_lexer_fuel=2_000_000)
    m = llguidance.LLMatcher(TOKENIZER, llguidance.LLMatcher.grammar_from_lark(lark), limits=tight)
    assert not m.is_error(), m.get_error()
    with pytest.raises(RemAgentError) as caught:
        decode_on(m, b"x 'abc")
    message = str(caught.value)
    assert message.startswith("constrained decoding failed: ")
    assert "\n" not in message and "<grammar>" not in message and "start:" not in message


def test_the_models_free_choices_are_recorded_and_forced_tokens_are_not() -> None:
    text, result = run(Scripted(b"mr L5", eos_rank=3), KEYWORDS)
    assert text == "SELECT * FROM moments LIMIT 5"
    s = result.stats
    # four bytes were the model's choice, and the end of turn may be one more; the forced
    # bytes are no choice
    assert 1 <= s.choices <= 4 + 1 < s.generated_tokens
    assert s.min_choice_logprob <= s.choice_logprob / s.choices <= 0


def test_a_copy_the_grammar_forces_is_kept() -> None:
    """`BETWEEN 200 AND 200` where the request named one size: the copy after AND is all the
    grammar allows, so it is no loop to undo (undoing it left the model no token at all)."""
    text, result = run(Scripted(b"2"), 'start: "x BETWEEN " ("200" | "300") " AND 200"')
    assert text == "x BETWEEN 200 AND 200"
    assert result.stop_reason == "stop" and result.stats.repeats_undone == 0
