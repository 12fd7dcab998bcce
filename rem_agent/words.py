"""English word forms, as far as matching search-bar words needs them."""

from __future__ import annotations


def singular(word: str) -> str:
    """A trailing s dropped ("recipes" → "recipe"); "ss" and words of 3 letters or fewer kept."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
