"""Unified search: one text over every kind of record, ranked by relevance and distance."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from kotahub.hub.errors import ClientInputError
from kotahub.records import Near
from kotahub.resolvers.city_index import CityView, city_view
from kotahub.resolvers.city_items import ALL_KINDS, CityItem, Kind
from kotahub.resolvers.geo import distance_km
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.paging import Page, PageRequest, paginate
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.search_text import QueryTerm, query_terms
from kotahub.resolvers.text_index import Match

MAX_TEXT_LENGTH = 200
MAX_TERMS = 12
UNPLACED_FACTOR = 0.5  # under ``near``, records without a place count as if at the circle's edge


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
    """The items meeting the most terms, best first."""
    matches = view.index.text.match(terms)
    best = max((m.terms_met for m in matches.values()), default=0)
    hits = _hits(view, {p: m for p, m in matches.items() if m.terms_met == best}, near)
    hits.sort(key=lambda h: (-h.score, h.distance_km or 0.0, h.item.title, h.item.key))
    return hits


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
        raise ClientInputError(f"search text must have at most {MAX_TERMS} words, got {len(terms)}")
    return terms


def _hits(view: CityView, matches: dict[int, Match], near: Near | None) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for position, match in matches.items():
        item = view.item(position)
        location = item.location
        if near is None:
            hits.append(SearchHit(item, round(match.score, 4)))
        elif location is None:
            hits.append(SearchHit(item, round(match.score * UNPLACED_FACTOR, 4)))
        elif (distance := distance_km(near.point, location)) <= near.radius_km:
            closeness = 1.0 - (1.0 - UNPLACED_FACTOR) * distance / near.radius_km
            hits.append(SearchHit(item, round(match.score * closeness, 4), distance))
    return hits
