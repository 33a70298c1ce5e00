"""Tourist spots across every tourism source: filters, distance ordering and paging."""

from __future__ import annotations

from dataclasses import dataclass

from kotahub.records import Near, TouristSpotRecord
from kotahub.resolvers.fan_out import from_every_source
from kotahub.resolvers.geo import within
from kotahub.resolvers.opening_hours import open_now
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.paging import Page, PageRequest, paginate
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.text_match import contains_all_words, fold


@dataclass(frozen=True, slots=True)
class SpotFilter:
    category: str | None = None
    district: str | None = None
    text: str | None = None
    open_now: bool | None = None


@dataclass(frozen=True, slots=True)
class SpotHit:
    """A spot as found by a search, with its distance when the search was near a point."""

    record: TouristSpotRecord
    distance_km: float | None = None


async def all_spots(scope: RequestScope) -> Partial[list[TouristSpotRecord]]:
    """Every spot of every tourism source; a failing source is reported, not fatal."""
    sources = [adapter.source for adapter in scope.catalog.tourism]
    return await from_every_source(scope.loaders.spots, sources)


async def find_spots(
    scope: RequestScope, spot_filter: SpotFilter, near: Near | None, page: PageRequest
) -> Partial[Page[SpotHit]]:
    """The spots matching the filter, nearest first under ``near``, else by name."""
    found = await all_spots(scope)
    hits = [SpotHit(record) for record in found.value if _matches(scope, record, spot_filter)]
    if near is not None:
        nearby = within((hit.record for hit in hits), near, lambda record: record.location)
        hits = [SpotHit(record, distance) for record, distance in nearby]
    else:
        hits.sort(key=lambda hit: (fold(hit.record.name), hit.record.source, hit.record.local_id))
    return Partial(paginate(hits, page), found.failures)


async def spot(scope: RequestScope, source: str, local_id: str) -> TouristSpotRecord | None:
    """One spot by its source and the source's own id; None when it does not exist."""
    if source not in {adapter.source for adapter in scope.catalog.tourism}:
        return None
    spots = await scope.loaders.spots.load(source)
    return next((record for record in spots if record.local_id == local_id), None)


def _matches(scope: RequestScope, record: TouristSpotRecord, spot_filter: SpotFilter) -> bool:
    # openNow: false means known to be closed now; unknown hours match neither.
    wanted_open = spot_filter.open_now
    if wanted_open is not None and open_now(scope, record.opening_hours) is not wanted_open:
        return False
    if spot_filter.category and fold(spot_filter.category) not in map(fold, record.categories):
        return False
    if spot_filter.district and fold(spot_filter.district) != fold(record.district or ""):
        return False
    if spot_filter.text:
        description = record.description
        texts = [record.name, record.address, record.district, *record.categories]
        texts += [description.id, description.en] if description else []
        return contains_all_words(spot_filter.text, texts)
    return True
