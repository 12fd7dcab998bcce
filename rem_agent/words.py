"""English word forms and content words, as far as matching words needs them.

The one word splitter: the prompt's example picker and the affinity judge's lexical
evidence both read text through `content_words`.
"""

from __future__ import annotations

import re

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
