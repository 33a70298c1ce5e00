"""An inverted index over weighted texts that forgives typos, abbreviations and the language."""

from __future__ import annotations

import math
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
LENGTH_PENALTY = 0.1  # per extra word of a text: a match in a short name counts for more
MAX_PENALISED_WORDS = 20


@dataclass(frozen=True, slots=True)
class Expansion:
    """A term of the index that stands for a query term, and how good a stand-in it is."""

    term: str
    quality: float


@dataclass(slots=True)
class Match:
    """How well one document matches a search: its score and how many query terms it meets."""

    score: float = 0.0
    terms_met: int = 0


class TextIndex:
    """Documents as lists of weighted texts; words and synonym groups point at the documents."""

    def __init__(self, documents: Iterable[Sequence[WeightedText]]) -> None:
        self._postings: dict[str, dict[int, float]] = {}
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
        weight /= 1.0 + LENGTH_PENALTY * min(max(length - 1, 0), MAX_PENALISED_WORDS)
        for term in terms:
            posting = self._postings.setdefault(term, {})
            if posting.get(doc, 0.0) < weight:
                posting[doc] = weight

    @property
    def term_count(self) -> int:
        return len(self._postings)

    def match(self, terms: Sequence[QueryTerm]) -> dict[int, Match]:
        """Every document that meets at least one term, with its summed best score per term."""
        matches: dict[int, Match] = {}
        for term in terms:
            best: dict[int, float] = {}
            for expansion in self.expansions(term):
                for doc, field_weight in self._postings.get(expansion.term, {}).items():
                    score = expansion.quality * field_weight
                    if score > best.get(doc, 0.0):
                        best[doc] = score
            rarity = self._idf(len(best))  # of the term as asked, whatever stood in for it
            for doc, score in best.items():
                match = matches.setdefault(doc, Match())
                match.score += rarity * score
                match.terms_met += 1
        return matches

    def expansions(self, term: QueryTerm) -> list[Expansion]:
        """The exact term and its synonym group; for single words also plurals and prefixes,
        and for words the index does not know, the known words one or two typos away."""
        found = [Expansion(term.group, SYNONYM)] if term.group else []
        if not term.is_word:
            return found
        word = term.text
        found.append(Expansion(word, EXACT))
        found += self._with_groups(_singulars(word), PLURAL)
        if len(word) >= MIN_PREFIX:
            found += self._with_groups(self._prefixed(word), PREFIX)
        if not self._knows(word):
            for distance, quality in ((1, ONE_EDIT), (2, TWO_EDITS)):
                found += self._with_groups(self._typos(word, distance), quality)
        return found

    def _knows(self, word: str) -> bool:
        at = bisect_left(self._lexicon, word)
        return at < len(self._lexicon) and self._lexicon[at] == word

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
        """Known words exactly ``distance`` edits away (a swap of two letters is one edit)."""
        if len(word) < TYPO_MIN_LENGTH[distance]:
            return []
        hits = process.extract(
            word, self._lexicon, scorer=OSA.distance, score_cutoff=distance, limit=None
        )
        return [candidate for candidate, found, _ in hits if found == distance]

    @staticmethod
    def _with_groups(candidates: Iterable[str], quality: float) -> list[Expansion]:
        found: list[Expansion] = []
        for candidate in candidates:
            found.append(Expansion(candidate, quality))
            group = group_of(candidate)
            if group is not None:
                found.append(Expansion(group, quality))
        return found

    def _idf(self, document_frequency: int) -> float:
        """Rarer terms count for more (the BM25 form, never below a small positive weight)."""
        ratio = (self.size - document_frequency + 0.5) / (document_frequency + 0.5)
        return max(math.log1p(ratio), 0.05)


def _singulars(word: str) -> list[str]:
    if len(word) < 4 or not word.endswith("s"):
        return []
    return [word[:-1], word[:-2]] if word.endswith("es") else [word[:-1]]
