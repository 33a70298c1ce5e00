"""The city's records of every kind as one list, each loaded at one call per source and lookup."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from kotahub.contract import ComplaintQuery
from kotahub.errors import SourceError
from kotahub.records import (
    ComplaintRecord,
    GeoPoint,
    HealthFacilityRecord,
    IndicatorRecord,
    Lang,
    ProgramRecord,
    Provenance,
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
# What an index was built from: per batch, its kind, owner, size and the fetch times of its pages.
BatchStamp = tuple[Kind, str, int, frozenset[tuple[datetime, tuple[datetime, ...]]]]
Stamp = tuple[BatchStamp, ...]


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

    def title_in(self, lang: Lang) -> str:
        """What a list shows for the item: its name, or for a complaint its category and id."""
        record = self.record
        if isinstance(record, ProgramRecord | IndicatorRecord):
            return record.name.pick(lang)
        if isinstance(record, ComplaintRecord):
            return (
                f"{record.category_name or record.category_code or 'Complaint'} {record.local_id}"
            )
        return self.title


def indicator_id(program: ProgramRecord, code: str) -> str:
    """An indicator's id within its source: its program's id and its own code."""
    return f"{program.local_id}/{code}"


@dataclass(frozen=True, slots=True)
class Batch:
    """Records of one kind as the sources gave them (for indicators: of one program)."""

    kind: Kind
    records: Sequence[ItemRecord]
    program: ProgramRecord | None = None

    def items(self) -> Iterator[CityItem]:
        kind, program = self.kind, self.program
        for record in self.records:
            if program is not None and isinstance(record, IndicatorRecord):
                local_id = indicator_id(program, record.code)
                yield CityItem(kind, program.source, local_id, record, program)
            elif not isinstance(record, IndicatorRecord):
                yield CityItem(kind, record.source, record.local_id, record)

    def stamp(self) -> BatchStamp:
        """Changes whenever a page behind these records is fetched anew, or a source fails."""
        fetched: set[tuple[datetime, tuple[datetime, ...]]] = set()
        last: Provenance | None = None
        for record in self.records:  # records of one page share their provenance
            if record.provenance is not last:
                last = record.provenance
                fetched.add((last.fetched_at, last.revision))
        owner = self.program.local_id if self.program else ""
        return (self.kind, owner, len(self.records), frozenset(fetched))


async def load_batches(scope: RequestScope, kinds: Collection[Kind]) -> Partial[list[Batch]]:
    """The records of the kinds asked for; a source that fails is left out and reported."""
    loads = [_LOADS[kind](scope) for kind in ALL_KINDS if kind in kinds]
    results = await asyncio.gather(*loads)
    batches = [batch for result in results for batch in result.value]
    failures = {id(f): f for result in results for f in result.failures}
    return Partial(batches, tuple(failures.values()))


def items_of(batches: Iterable[Batch]) -> list[CityItem]:
    return [item for batch in batches for item in batch.items()]


def stamp_of(batches: Iterable[Batch]) -> Stamp:
    """What identifies the data: the same stamp, the same fetched pages."""
    return tuple(batch.stamp() for batch in batches)


async def _spots(scope: RequestScope) -> Partial[list[Batch]]:
    found = await all_spots(scope)
    return Partial([Batch("tourist_spot", found.value)], found.failures)


async def _facilities(scope: RequestScope) -> Partial[list[Batch]]:
    found = await all_facilities(scope)
    return Partial([Batch("health_facility", found.value)], found.failures)


async def _complaints(scope: RequestScope) -> Partial[list[Batch]]:
    """The complaints each source lists by default (Open311: its latest 90 days)."""
    keys = [(adapter.source, ComplaintQuery()) for adapter in scope.catalog.complaints]
    found = await from_every_source(scope.loaders.complaints, keys)
    return Partial([Batch("complaint", found.value)], found.failures)


async def _programs(scope: RequestScope) -> Partial[list[Batch]]:
    found = await programs(scope, None)
    return Partial([Batch("program", found.value)], found.failures)


async def _indicators(scope: RequestScope) -> Partial[list[Batch]]:
    """Every program's indicator series: one search for each indicator resource."""
    found = await programs(scope, None)
    measured = [p for p in found.value if p.indicator_resource is not None]
    resources = sorted({(p.source, p.indicator_resource or "") for p in measured})
    loaded = await asyncio.gather(
        *(scope.loaders.indicators.load(resource) for resource in resources),
        return_exceptions=True,
    )
    by_resource = dict(zip(resources, loaded, strict=True))
    batches: list[Batch] = []
    failures: list[SourceError] = list(found.failures)
    for program in measured:
        series = by_resource[(program.source, program.indicator_resource or "")]
        if isinstance(series, SourceError):
            failures.append(series)
        elif isinstance(series, BaseException):
            raise series
        else:
            batches.append(Batch("indicator", series.get(program.slug, ()), program))
    return Partial(batches, tuple({id(f): f for f in failures}.values()))


_LOADS: dict[Kind, Callable[[RequestScope], Awaitable[Partial[list[Batch]]]]] = {
    "tourist_spot": _spots,
    "health_facility": _facilities,
    "complaint": _complaints,
    "program": _programs,
    "indicator": _indicators,
}
