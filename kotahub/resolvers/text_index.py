"""An inverted index over weighted texts that forgives typos, abbreviations and the language."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from kotahub.resolvers.search_text import (
    GROUP_MARK,
    SYNONYM_WORDS,
    QueryTerm,
    analysed,
    group_of,
)

WeightedText = tuple[str | None, float]  # a text of a document and how much a match in it counts

EXACT, PLURAL, SYNONYM, PREFIX, ONE_EDIT, TWO_EDITS = 1.0, 0.95, 0.9, 0.75, 0.7, 0.5
MAX_PREFIX_MATCHES = 64
MIN_PREFIX = 3
TYPO_MIN_LENGTH = {1: 5, 2: 9}  # letters a word needs before one, or two, typos are forgiven
NAMING_WEIGHT = 2.0  # texts weighted this much or more name a thing (names, categories)
LENGTH_PENALTY = 0.1  # per extra word of a text: a match in a short name counts for more
MAX_PENALISED_WORDS = 20


@dataclass(frozen=True, slots=True)
class Expansion:
    """A term of the index that stands for a query term, and how good a stand-in it is."""

    term: str
    quality: float


class TextIndex:
    """Documents as lists of weighted texts; words and synonym groups point at the documents."""

    def __init__(self, documents: Iterable[Sequence[WeightedText]]) -> None:
        self._postings: dict[str, dict[int, float]] = {}
        self._naming: set[str] = set()
        size = 0
        for doc, fields in enumerate(documents):
            size += 1
            for text, weight in fields:
                if text:
                    self._add(doc, *analysed(text), weight)
        self.size = size
        words = {t for t in self._postings if not t.startswith(GROUP_MARK)}
        # Synonym words are known even where no document uses them: "hospitl" finds "=rumah sakit".
        self._lexicon = sorted(words | set(SYNONYM_WORDS))

    def _add(self, doc: int, terms: tuple[str, ...], length: int, weight: float) -> None:
        if weight >= NAMING_WEIGHT:
            self._naming.update(terms)
        weight /= 1.0 + LENGTH_PENALTY * min(max(length - 1, 0), MAX_PENALISED_WORDS)
        for term in terms:
            posting = self._postings.setdefault(term, {})
            if posting.get(doc, 0.0) < weight:
                posting[doc] = weight

    @property
    def term_count(self) -> int:
        return len(self._postings)

    def names(self, word: str) -> bool:
        """Whether the word is in a name or a category here, or is a known synonym: a word a
        searcher means as written, not a typo of another (a misspelt description does not
        count, so "mangar" in a complaint still lets "mangar" find Manggar)."""
        return word in self._naming or group_of(word) is not None

    def term_matches(self, term: QueryTerm, prefix: bool, typos: bool) -> dict[int, float]:
        """The documents that meet one query term, each with its best match's quality times
        the weight of the text it was found in."""
        best: dict[int, float] = {}
        for expansion in self.expansions(term, prefix, typos):
            for doc, field_weight in self._postings.get(expansion.term, {}).items():
                score = expansion.quality * field_weight
                if score > best.get(doc, 0.0):
                    best[doc] = score
        return best

    def expansions(self, term: QueryTerm, prefix: bool, typos: bool) -> list[Expansion]:
        """The exact term and its synonym group; for single words also plurals, words begun
        (when ``prefix``), and known words one or two typos away (when ``typos``)."""
        found = [Expansion(term.group, SYNONYM)] if term.group else []
        if not term.is_word:
            return found
        word = term.text
        found.append(Expansion(word, EXACT))
        found += self._with_groups(_singulars(word), PLURAL)
        if prefix and len(word) >= MIN_PREFIX:
            found += self._with_groups(self._prefixed(word), PREFIX)
        if typos:
            for distance, quality in ((1, ONE_EDIT), (2, TWO_EDITS)):
                found += self._with_groups(self._typos(word, distance), quality)
        return found

    def _prefixed(self, word: str) -> list[str]:
        start = bisect_left(self._lexicon, word)
        found: list[str] = []
        for candidate in self._lexicon[start : start + MAX_PREFIX_MATCHES + 1]:
            if not candidate.startswith(word):
                break
            if candidate != word:
                found.append(candidate)
        return found

    def _typos(self, word: str, distance: int) -> list[str]:
        """Words exactly ``distance`` edits away (a swap of two letters is one edit), no
        shorter than a word that may have typos at all."""
        shortest = TYPO_MIN_LENGTH[distance]
        if len(word) < shortest:
            return []
        hits = process.extract(
            word, self._lexicon, scorer=OSA.distance, score_cutoff=distance, limit=None
        )
        return [c for c, found, _ in hits if found == distance and len(c) >= TYPO_MIN_LENGTH[1]]

    @staticmethod
    def _with_groups(candidates: Iterable[str], quality: float) -> list[Expansion]:
        found: list[Expansion] = []
        for candidate in candidates:
            found.append(Expansion(candidate, quality))
            group = group_of(candidate)
            if group is not None:
                found.append(Expansion(group, quality))
        return found


def _singulars(word: str) -> list[str]:
    if len(word) < 4 or not word.endswith("s"):
        return []
    return [word[:-1], word[:-2]] if word.endswith("es") else [word[:-1]]
