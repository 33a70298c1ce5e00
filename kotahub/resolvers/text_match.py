"""Case- and accent-insensitive text matching for filters."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """Lower case, accents removed, runs of white space collapsed."""
    if text.isascii():  # most text: nothing to decompose
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def contains_all_words(query: str, haystack: Iterable[str | None]) -> bool:
    """Every word of ``query`` occurs somewhere in the haystack texts."""
    text = " ".join(fold(part) for part in haystack if part)
    return all(word in text for word in fold(query).split())
