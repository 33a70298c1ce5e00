"""Scoring a search over several text indexes as if they were one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kotahub.resolvers.search_text import QueryTerm
from kotahub.resolvers.text_index import TextIndex

Position = tuple[int, int]  # which index, which document in it


@dataclass(slots=True)
class Match:
    """How well one document matches a search: its score and how many query terms it meets."""

    score: float = 0.0
    terms_met: int = 0


def score(indexes: Sequence[TextIndex], terms: Sequence[QueryTerm]) -> dict[Position, Match]:
    """Every document meeting at least one term. A term counts for more the fewer documents
    of all the indexes meet it; the last word may be unfinished (it matches words it
    begins); a word no index uses in a name is read as a possible typo."""
    total = sum(index.size for index in indexes)
    matches: dict[Position, Match] = {}
    for number, term in enumerate(terms):
        last = number == len(terms) - 1
        typos = term.is_word and not any(index.names(term.text) for index in indexes)
        found = [index.term_matches(term, last, typos) for index in indexes]
        rarity = _idf(total, sum(len(hits) for hits in found))
        for which, hits in enumerate(found):
            for doc, weight in hits.items():
                match = matches.setdefault((which, doc), Match())
                match.score += rarity * weight
                match.terms_met += 1
    return matches


def _idf(total: int, frequency: int) -> float:
    """Rarer terms count for more (the BM25 form, never below a small positive weight)."""
    ratio = (total - frequency + 0.5) / (frequency + 0.5)
    return max(math.log1p(ratio), 0.05)
