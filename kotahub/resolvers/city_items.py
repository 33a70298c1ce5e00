"""The city's records of every kind as one list, each loaded at one call per source and lookup."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from kotahub.adapters.contract import ComplaintQuery
from kotahub.hub.errors import SourceError
from kotahub.records import (
    ComplaintRecord,
    GeoPoint,
    HealthFacilityRecord,
    IndicatorRecord,
    ProgramRecord,
    TouristSpotRecord,
)
from kotahub.resolvers.dimensions import programs
from kotahub.resolvers.fan_out import from_every_source
from kotahub.resolvers.health import all_facilities
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.tourism import all_spots

Kind = Literal["tourist_spot", "health_facility", "complaint", "program", "indicator"]
ALL_KINDS: tuple[Kind, ...] = get_args(Kind)
PLACE_KINDS: tuple[Kind, ...] = ("tourist_spot", "health_facility", "complaint")
ItemRecord = (
    TouristSpotRecord | HealthFacilityRecord | ComplaintRecord | ProgramRecord | IndicatorRecord
)
ItemKey = tuple[Kind, str, str]
# What the index was built from: per kind and source, the record count and fetch times.
Stamp = tuple[tuple[Kind, str, int, datetime, datetime], ...]


@dataclass(frozen=True, slots=True)
class CityItem:
    """One record of the city, whatever its domain, with the program an indicator measures."""

    kind: Kind
    source: str
    local_id: str
    record: ItemRecord
    program: ProgramRecord | None = None

    @property
    def key(self) -> ItemKey:
        return (self.kind, self.source, self.local_id)

    @property
    def location(self) -> GeoPoint | None:
        record = self.record
        if isinstance(record, TouristSpotRecord | HealthFacilityRecord | ComplaintRecord):
            return record.location
        return None

    @property
    def title(self) -> str:
        """What the item is called, for ordering equals."""
        record = self.record
        if isinstance(record, TouristSpotRecord | HealthFacilityRecord):
            return record.name
        if isinstance(record, ProgramRecord | IndicatorRecord):
            return record.name.id
        return record.local_id


def indicator_id(program: ProgramRecord, code: str) -> str:
    """An indicator's id within its source: its program's id and its own code."""
    return f"{program.local_id}/{code}"


async def load_items(scope: RequestScope, kinds: Collection[Kind]) -> Partial[list[CityItem]]:
    """The items of the kinds asked for; a source that fails is left out and reported."""
    loads = [_LOADS[kind](scope) for kind in ALL_KINDS if kind in kinds]
    results = await asyncio.gather(*loads)
    items = [item for result in results for item in result.value]
    failures = {id(f): f for result in results for f in result.failures}
    return Partial(items, tuple(failures.values()))


def stamp_of(items: Sequence[CityItem]) -> Stamp:
    """A fingerprint that changes whenever a source's data is fetched anew."""
    seen: dict[tuple[Kind, str], tuple[int, datetime, datetime]] = {}
    for item in items:
        fetched = item.record.provenance.fetched_at
        count, oldest, newest = seen.get((item.kind, item.source), (0, fetched, fetched))
        seen[(item.kind, item.source)] = (count + 1, min(oldest, fetched), max(newest, fetched))
    return tuple(sorted((kind, source, *facts) for (kind, source), facts in seen.items()))


async def _spots(scope: RequestScope) -> Partial[list[CityItem]]:
    found = await all_spots(scope)
    return Partial(
        [CityItem("tourist_spot", r.source, r.local_id, r) for r in found.value], found.failures
    )


async def _facilities(scope: RequestScope) -> Partial[list[CityItem]]:
    found = await all_facilities(scope)
    return Partial(
        [CityItem("health_facility", r.source, r.local_id, r) for r in found.value], found.failures
    )


async def _complaints(scope: RequestScope) -> Partial[list[CityItem]]:
    """The complaints each source lists by default (Open311: its latest 90 days)."""
    keys = [(adapter.source, ComplaintQuery()) for adapter in scope.catalog.complaints]
    found = await from_every_source(scope.loaders.complaints, keys)
    return Partial(
        [CityItem("complaint", r.source, r.local_id, r) for r in found.value], found.failures
    )


async def _programs(scope: RequestScope) -> Partial[list[CityItem]]:
    found = await programs(scope, None)
    return Partial(
        [CityItem("program", r.source, r.local_id, r) for r in found.value], found.failures
    )


async def _indicators(scope: RequestScope) -> Partial[list[CityItem]]:
    """Every program's indicator series: one search for each indicator resource."""
    found = await programs(scope, None)
    measured = [p for p in found.value if p.indicator_resource is not None]
    resources = sorted({(p.source, p.indicator_resource or "") for p in measured})
    loaded = await asyncio.gather(
        *(scope.loaders.indicators.load(resource) for resource in resources),
        return_exceptions=True,
    )
    by_resource = dict(zip(resources, loaded, strict=True))
    items: list[CityItem] = []
    failures: list[SourceError] = list(found.failures)
    for program in measured:
        series = by_resource[(program.source, program.indicator_resource or "")]
        if isinstance(series, SourceError):
            failures.append(series)
        elif isinstance(series, BaseException):
            raise series
        else:
            items += [_indicator(program, i) for i in series.get(program.slug, ())]
    return Partial(items, tuple({id(f): f for f in failures}.values()))


def _indicator(program: ProgramRecord, indicator: IndicatorRecord) -> CityItem:
    local_id = indicator_id(program, indicator.code)
    return CityItem("indicator", program.source, local_id, indicator, program)


_LOADS: dict[Kind, Callable[[RequestScope], Awaitable[Partial[list[CityItem]]]]] = {
    "tourist_spot": _spots,
    "health_facility": _facilities,
    "complaint": _complaints,
    "program": _programs,
    "indicator": _indicators,
}
