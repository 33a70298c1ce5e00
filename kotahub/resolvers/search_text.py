"""Turning text into search terms: folded words, and the synonym groups their phrases name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kotahub.resolvers.search_synonyms import SYNONYM_GROUPS
from kotahub.resolvers.text_match import fold

MAX_PHRASE_WORDS = 3
GROUP_MARK = "="  # group terms cannot clash with words, which are letters and digits only
# Words that say nothing of what is sought; a record lacking them must not rank lower.
STOP_WORDS = frozenset(
    {
        *("di", "ke", "dari", "dan", "yang", "untuk", "dengan", "atau", "pada", "ini", "itu"),
        *("ada", "dekat", "sekitar", "the", "a", "an", "of", "in", "at", "on", "for", "and"),
        *("or", "to", "with", "near", "around"),
    }
)
_WORD = re.compile(r"[0-9a-z]+")


def _phrase_groups() -> dict[tuple[str, ...], str]:
    groups: dict[tuple[str, ...], str] = {}
    for members in SYNONYM_GROUPS:
        term = GROUP_MARK + members[0]
        for member in members:
            groups[tuple(words(member))] = term
    return groups


def words(text: str) -> list[str]:
    """The words of a text: case, accents and punctuation dropped."""
    return _WORD.findall(fold(text))


PHRASE_GROUPS = _phrase_groups()
SYNONYM_WORDS: tuple[str, ...] = tuple(sorted({p[0] for p in PHRASE_GROUPS if len(p) == 1}))
_PHRASE_STARTS: dict[str, int] = {}  # the longest phrase each word begins
for _phrase in PHRASE_GROUPS:
    _PHRASE_STARTS[_phrase[0]] = max(_PHRASE_STARTS.get(_phrase[0], 0), len(_phrase))


def group_of(word: str) -> str | None:
    """The synonym group a single word belongs to, if any."""
    return PHRASE_GROUPS.get((word,))


@lru_cache(maxsize=65536)  # names, categories, districts and agencies repeat across records
def analysed(text: str) -> tuple[tuple[str, ...], int]:
    """Every word of the text and the group of every phrase in it (a phrase inside a longer
    one included, so that "hutan lindung" is found both as a protected forest and a forest),
    with the number of words."""
    found = words(text)
    terms: list[str] = []
    for start, word in enumerate(found):
        terms.append(word)
        longest = _PHRASE_STARTS.get(word, 0)
        for length in range(1, min(longest, len(found) - start) + 1):
            group = PHRASE_GROUPS.get(tuple(found[start : start + length]))
            if group is not None:
                terms.append(group)
    return tuple(terms), len(found)


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One thing the searcher asked for: a word, or a phrase that names a synonym group."""

    text: str
    group: str | None = None

    @property
    def is_word(self) -> bool:
        return " " not in self.text


def query_terms(text: str) -> list[QueryTerm]:
    """The terms of a search, longest synonym phrase first; repeated terms count once, and
    words such as "di" or "the" only when the search has nothing else."""
    found = [word for word in words(text) if word not in STOP_WORDS] or words(text)
    terms: list[QueryTerm] = []
    start = 0
    while start < len(found):
        for length in range(min(MAX_PHRASE_WORDS, len(found) - start), 0, -1):
            phrase = tuple(found[start : start + length])
            group = PHRASE_GROUPS.get(phrase)
            if group is not None or length == 1:
                terms.append(QueryTerm(" ".join(phrase), group))
                start += length
                break
    return list(dict.fromkeys(terms))
