"""Health facilities across every health source: filters, the nearest care, and paging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kotahub.records import (
    FacilityType,
    GeoPoint,
    HealthFacilityRecord,
    Near,
)
from kotahub.resolvers.fan_out import from_every_source
from kotahub.resolvers.geo import within
from kotahub.resolvers.loaders import FacilityQuery, load_all, loaded_all
from kotahub.resolvers.opening_hours import open_now
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.paging import Page, PageRequest, paginate
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.text_match import contains_all_words, fold


@dataclass(frozen=True, slots=True)
class FacilityFilter:
    facility_type: FacilityType | None = None
    district: str | None = None
    service: str | None = None
    open_now: bool | None = None
    emergency: bool | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class FacilityHit:
    """A facility as found by a search, with its distance when the search was near a point."""

    record: HealthFacilityRecord
    distance_km: float | None = None


async def all_facilities(
    scope: RequestScope, near: Near | None = None
) -> Partial[list[HealthFacilityRecord]]:
    """Every facility of every health source (each source searching near the point if it can)."""
    keys = [(adapter.source, near) for adapter in scope.catalog.health]
    return await from_every_source(scope.loaders.facilities, keys)


async def find_facilities(
    scope: RequestScope, facility_filter: FacilityFilter, near: Near | None, page: PageRequest
) -> Partial[Page[FacilityHit]]:
    """Facilities matching the filter, nearest first under ``near``, else by name."""
    found = await all_facilities(scope, near)
    matching = [r for r in found.value if _matches(scope, r, facility_filter)]
    if near is not None:
        pairs = within(matching, near, lambda record: record.location)
        hits = [FacilityHit(record, distance) for record, distance in pairs]
    else:
        matching.sort(key=lambda r: (fold(r.name), r.source, r.local_id))
        hits = [FacilityHit(record) for record in matching]
    return Partial(paginate(hits, page), found.failures)


async def nearby_facilities(
    scope: RequestScope,
    point: GeoPoint,
    radius_km: float,
    facility_type: FacilityType | None,
    first: int,
) -> Partial[list[FacilityHit]]:
    """The nearest facilities to a place; many places in one request share one search."""
    found = await all_facilities(scope)
    return Partial(_nearest(found.value, point, radius_km, facility_type, first), found.failures)


def nearby_facilities_loaded(
    scope: RequestScope,
    point: GeoPoint,
    radius_km: float,
    facility_type: FacilityType | None,
    first: int,
) -> Partial[list[FacilityHit]] | None:
    """As ``nearby_facilities``, when every source's facilities are loaded already (by
    ``load_facilities``); None when any is not."""
    found = loaded_all(scope.loaders.facilities, _every_source(scope))
    if found is None:
        return None
    records = [record for each in found for record in each]
    return Partial(_nearest(records, point, radius_km, facility_type, first))


async def load_facilities(scope: RequestScope) -> None:
    """Every facility loaded at once, for a list of places each asking for its nearest to
    read without waiting; failures are left for them to report."""
    await load_all(scope.loaders.facilities, _every_source(scope))


def _every_source(scope: RequestScope) -> list[FacilityQuery]:
    """The loader keys of every health source's whole list."""
    return [(adapter.source, None) for adapter in scope.catalog.health]


def _nearest(
    records: Sequence[HealthFacilityRecord],
    point: GeoPoint,
    radius_km: float,
    facility_type: FacilityType | None,
    first: int,
) -> list[FacilityHit]:
    kinds = [r for r in records if facility_type is None or r.facility_type == facility_type]
    pairs = within(kinds, Near(point, radius_km), lambda record: record.location)
    return [FacilityHit(r, d) for r, d in pairs[:first]]


async def facility(scope: RequestScope, source: str, local_id: str) -> HealthFacilityRecord | None:
    """One facility by its source and the source's own id; None when it does not exist."""
    if source not in {adapter.source for adapter in scope.catalog.health}:
        return None
    records = await scope.loaders.facilities.load((source, None))
    return next((record for record in records if record.local_id == local_id), None)


def _matches(scope: RequestScope, record: HealthFacilityRecord, wanted: FacilityFilter) -> bool:
    checks = (
        wanted.facility_type is None or record.facility_type == wanted.facility_type,
        wanted.district is None or fold(wanted.district) == fold(record.district or ""),
        wanted.emergency is None or record.emergency == wanted.emergency,
        # openNow: false means known to be closed now; unknown hours match neither.
        wanted.open_now is None or open_now(scope, record.opening_hours) is wanted.open_now,
        wanted.service is None or contains_all_words(wanted.service, _service_texts(record)),
        wanted.text is None or contains_all_words(wanted.text, _texts(record)),
    )
    return all(checks)


def _service_texts(record: HealthFacilityRecord) -> list[str]:
    return [text for s in record.services for text in (s.name, *s.categories, *s.types)]


def _texts(record: HealthFacilityRecord) -> list[str | None]:
    fixed = [record.name, record.address, record.district, record.organization]
    return [*fixed, *record.aliases, *_service_texts(record)]
