"""Request text: cleaning what people type, splitting it into words, and word forms.

The one home for it: the agent cleans a request here, the affinity judge a resource's
text; the decode spec takes a request's tokens from `tokens`, and the prompt's example
picker and the affinity evidence read content words through `content_words`. It imports
nothing of rem-agent's but its errors, so any layer may use it.
"""

from __future__ import annotations

import re
import unicodedata

from rem_agent.errors import UsageError

MAX_REQUEST_CHARS = 1000
# A search-bar token: a run without space, quotes or punctuation that ends a word.
_TOKEN = re.compile(r"[^\s\"\\,;:!?()\[\]{}<>|]+")
_CHAT_MARKUP = re.compile(r"<\|")
_SPACE_RUN = re.compile(r"[ \t]+")
_BLANK_RUN = re.compile(r"\n{3,}")


def _scrub(text: str, *, keep: str = "") -> str:
    """Format characters (zero-width, direction marks) dropped; other control and line
    separator characters become spaces, except those in `keep`."""
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") and ch not in keep else ch
        for ch in text
        if unicodedata.category(ch) != "Cf"
    )


def _bounded(cleaned: str, what: str, limit: int, empty: str, *, grouping: str = ",") -> str:
    if not cleaned:
        raise UsageError(empty)
    if len(cleaned) > limit:
        n = len(cleaned)
        raise UsageError(
            f"{what} is {n:{grouping}} characters long; the limit is {limit:{grouping}}"
        )
    return cleaned


def clean_request(text: object) -> str:
    """One line of search-bar text: control characters out, space runs as one space;
    refuses empty or over-long input (`UsageError`)."""
    if not isinstance(text, str):
        raise UsageError("the request must be text")
    cleaned = re.sub(r"\s+", " ", _scrub(text)).strip()
    empty = "the request is empty: type what you are looking for"
    return _bounded(cleaned, "the request", MAX_REQUEST_CHARS, empty, grouping="")


def clean_text(text: object, *, what: str, limit: int) -> str:
    """A document's text for a prompt: lines kept, space runs and blank-line runs shortened,
    chat markup defused; refuses empty or over-long text (`UsageError`)."""
    if not isinstance(text, str):
        raise UsageError(f"{what} must be text")
    kept = _scrub(text.replace("\r\n", "\n").replace("\r", "\n"), keep="\n\t")
    cleaned = "\n".join(line.strip() for line in _SPACE_RUN.sub(" ", kept).split("\n"))
    cleaned = defuse_chat_markup(_BLANK_RUN.sub("\n\n", cleaned)).strip()
    return _bounded(cleaned, what, limit, f"{what} is empty")


def defuse_chat_markup(text: str) -> str:
    """`<|im_end|>` in user text must stay text: the engines tokenise the rendered chat
    with special tokens, so a request could otherwise end its own turn."""
    return _CHAT_MARKUP.sub("< |", text)


# Spelled numbers, for the dates and the quantities of a request.
NUMBER_WORDS: dict[str, int] = {
    w: n
    for n, w in enumerate(
        (
            "one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen"
        ).split(),
        start=1,
    )
}
TENS: dict[str, int] = {
    w: 10 * n
    for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}


def tokens(text: str) -> list[str]:
    """The tokens of a request as typed: runs between spaces, quotes and punctuation."""
    return _TOKEN.findall(text)


_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    (
        "a an the of to for in on at by and or with from me my i we our us all any some what "
        "which who show find get give list about is are was were do did does that this these "
        "those it its"
    ).split()
)


def singular(word: str) -> str:
    """A trailing s dropped ("recipes" → "recipe"); "ss" and words of 3 letters or fewer kept."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def stem(word: str) -> str:
    """A crude stem, enough to match "works" with "work" and "uploaded" with "uploads"."""
    word = singular(word)
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(
    text: str, *, stopwords: frozenset[str] = STOPWORDS, numbers: str | None = "#"
) -> list[str]:
    """Lower-case stems of `text`'s words, stopwords left out, in order.

    `numbers`: what a number becomes ("#": any number is one word, so "my 3 latest
    uploads" is shaped like "my 5 most recent uploads"); None keeps the digits.
    """
    out = []
    for word in _WORD.findall(text.lower()):
        if word in stopwords:
            continue
        if word.isdigit():
            out.append(numbers if numbers is not None else word)
        else:
            out.append(stem(word))
    return out
