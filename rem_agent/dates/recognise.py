"""Text → temporal phrases with their character spans.

Two linear stages, so no input can trigger catastrophic backtracking:

1. `tokens.tokenize`: one `re.finditer` pass splits the text into tokens;
2. `phrase_rules.PhraseRules`, a hand-written recursive-descent parser (on the point
   rules of `relative_rules` and `calendar_rules`, the `matchers` and the word tables
   of `vocabulary`), tries every phrase rule at each token that could start a phrase.
   No rule loops: each reads at most a small, fixed number of tokens, and results per
   (position, context) are memoised, so the whole scan is O(tokens).

Before parsing, a misspelt date word is read as the date word meant (`spelling`).
Matches are taken leftmost-longest and never overlap: "from Nov 1 to Nov 5" is one
phrase, not three.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from rem_agent.dates.phrase_rules import PhraseRules
from rem_agent.dates.phrases import Phrase
from rem_agent.dates.spelling import suggest
from rem_agent.dates.tokens import Token, tokenize
from rem_agent.dates.vocabulary import KNOWN_WORDS, WORD_STARTERS


@dataclass(frozen=True, slots=True)
class Recognition:
    """One temporal phrase: the text as typed, its [begin, end) span, its meaning.

    `read_as` is the phrase with its misspelt date words corrected ("lst week" is read
    as "last week"); None when it was read as typed.
    """

    text: str
    span: tuple[int, int]
    phrase: Phrase
    read_as: str | None = None


def recognise(text: str, *, correct: bool = True) -> list[Recognition]:
    """Every temporal phrase in `text`, left to right, without overlaps.

    With `correct`, a misspelt date word is read as the one date word it is close to
    (spelling.py); a phrase that needed one says so in `read_as`.
    """
    tokens = tokenize(text)
    fixes = _corrections(tokens) if correct else {}
    if fixes:
        tokens = [
            dataclasses.replace(tok, text=fixes[k]) if k in fixes else tok
            for k, tok in enumerate(tokens)
        ]
    parser = PhraseRules(tokens)
    found: list[Recognition] = []
    i = 0
    while i < len(tokens):
        match = parser.phrase(i) if _may_start(tokens[i]) else None
        if match is None:
            i += 1
            continue
        phrase, end = match
        begin, finish = tokens[i].start, tokens[end - 1].end
        read_as = _read_as(text, tokens, range(i, end), fixes) if fixes else None
        found.append(
            Recognition(
                text=text[begin:finish], span=(begin, finish), phrase=phrase, read_as=read_as
            )
        )
        i = end
    return found


def _corrections(tokens: list[Token]) -> dict[int, str]:
    """Token index → the date word a misspelt word token is read as."""
    fixes: dict[int, str] = {}
    for k, tok in enumerate(tokens):
        if (
            tok.kind == "word"
            and tok.text not in KNOWN_WORDS
            and (word := suggest(tok.text)) is not None
        ):
            fixes[k] = word
    return fixes


def _read_as(text: str, tokens: list[Token], indices: range, fixes: dict[int, str]) -> str | None:
    """The phrase over `indices` as read, with corrected words in the typed letter case."""
    fixed = [k for k in indices if k in fixes]
    if not fixed:
        return None
    begin, finish = tokens[indices.start].start, tokens[indices.stop - 1].end
    out = text[begin:finish]
    for k in reversed(fixed):
        typed = text[tokens[k].start : tokens[k].end]
        word = fixes[k].upper() if typed.isupper() and len(typed) > 1 else fixes[k]
        word = word.capitalize() if typed[:1].isupper() and not typed.isupper() else word
        out = out[: tokens[k].start - begin] + word + out[tokens[k].end - begin :]
    return out


def _may_start(token: Token) -> bool:
    return token.kind != "punct" and (token.kind != "word" or token.text in WORD_STARTERS)
