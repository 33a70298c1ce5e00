"""Unified search: one text over every kind of record, ranked by relevance and distance."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from kotahub.errors import ClientInputError
from kotahub.records import Near
from kotahub.resolvers.city_index import CityView, city_view
from kotahub.resolvers.city_items import ALL_KINDS, PLACE_KINDS, CityItem, Kind
from kotahub.resolvers.geo import distance_km
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.paging import Page, PageRequest, paginate
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.search_text import QueryTerm, query_terms
from kotahub.resolvers.text_scoring import Match, Position, score

MAX_TEXT_LENGTH = 200
MAX_TERMS = 12
UNPLACED_FACTOR = 0.5  # under ``near``, programs and indicators count as if at the circle's edge


@dataclass(frozen=True, slots=True)
class SearchHit:
    item: CityItem
    score: float
    distance_km: float | None = None


async def search(
    scope: RequestScope,
    text: str,
    near: Near | None,
    kinds: Collection[Kind] | None,
    page: PageRequest,
) -> Partial[Page[SearchHit]]:
    """The records that meet the most search terms, best first; a failing source is reported
    and left out. Under ``near``, places outside the circle are left out and nearer ones
    rank higher."""
    terms = checked_terms(text)
    view = await city_view(scope, kinds or ALL_KINDS)
    return Partial(paginate(ranked(view, terms, near), page), view.failures)


def ranked(view: CityView, terms: list[QueryTerm], near: Near | None) -> list[SearchHit]:
    """The items meeting the most terms (of those inside the circle, under ``near``), best
    first."""
    matches = score([index.text for index in view.indexes], terms)
    hits = _hits(view, matches, near)
    best = max((terms_met for _, terms_met in hits), default=0)
    found = [hit for hit, terms_met in hits if terms_met == best]
    found.sort(key=lambda h: (-h.score, _distance(h), h.item.title, h.item.key))
    return found


def _distance(hit: SearchHit) -> float:
    return math.inf if hit.distance_km is None else hit.distance_km


def checked_terms(text: str) -> list[QueryTerm]:
    """The terms of a search text, or a client error saying what text is expected."""
    if len(text) > MAX_TEXT_LENGTH:
        raise ClientInputError(
            f"search text must be at most {MAX_TEXT_LENGTH} characters, got {len(text)}"
        )
    terms = query_terms(text)
    if not terms:
        raise ClientInputError(f"search text must contain a letter or a digit, got {text!r}")
    if len(terms) > MAX_TERMS:
        raise ClientInputError(
            f"search text must have at most {MAX_TERMS} terms (words, or phrases such as "
            f"'rumah sakit'), got {len(terms)}"
        )
    return terms


def _hits(
    view: CityView, matches: dict[Position, Match], near: Near | None
) -> list[tuple[SearchHit, int]]:
    """Each match as a hit with the number of terms it meets; under ``near``, places outside
    the circle (or with no known position) are left out, and the rest rank by closeness."""
    hits: list[tuple[SearchHit, int]] = []
    for position, match in matches.items():
        item = view.item(position)
        location = item.location
        if near is None:
            hits.append((SearchHit(item, round(match.score, 4)), match.terms_met))
        elif item.kind not in PLACE_KINDS:
            hits.append((SearchHit(item, round(match.score * UNPLACED_FACTOR, 4)), match.terms_met))
        elif location is not None and (d := distance_km(near.point, location)) <= near.radius_km:
            closeness = 1.0 - (1.0 - UNPLACED_FACTOR) * d / near.radius_km
            hits.append((SearchHit(item, round(match.score * closeness, 4), d), match.terms_met))
    return hits
