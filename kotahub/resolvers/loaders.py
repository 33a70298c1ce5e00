"""Per-request DataLoaders: each upstream lookup happens at most once per request."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from strawberry.dataloader import DataLoader

from kotahub.adapters.catalog import Catalog
from kotahub.contract import ComplaintQuery, ComplaintsAdapter, ComplaintsById
from kotahub.records import (
    ComplaintCategoryRecord,
    ComplaintRecord,
    HealthFacilityRecord,
    IndicatorRecord,
    Near,
    ProgramRecord,
    TouristSpotRecord,
)
from kotahub.resolvers.distinct_ids import distinct_ids

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R", TouristSpotRecord, HealthFacilityRecord, ComplaintRecord)
SpotList = Sequence[TouristSpotRecord]
FacilityList = Sequence[HealthFacilityRecord]
FacilityQuery = tuple[str, Near | None]  # a source, and the area asked for (None: all)
CategoryList = Sequence[ComplaintCategoryRecord]
ComplaintList = Sequence[ComplaintRecord]
ProgramList = Sequence[ProgramRecord]
IndicatorsByProgram = Mapping[str, Sequence[IndicatorRecord]]

tracer = trace.get_tracer(__name__)


@dataclass(frozen=True, slots=True)
class Loaders:
    """The loaders of one request; a new set is made for every request."""

    spots: DataLoader[str, SpotList]
    facilities: DataLoader[FacilityQuery, FacilityList]
    categories: DataLoader[str, CategoryList]
    complaints: DataLoader[tuple[str, ComplaintQuery], ComplaintList]
    programs: DataLoader[tuple[str, str | None], ProgramList]
    indicators: DataLoader[tuple[str, str], IndicatorsByProgram]
    complaint_records: DataLoader[tuple[str, str], ComplaintRecord | None]  # (source, id)


def make_loaders(catalog: Catalog) -> Loaders:
    tourism = {adapter.source: adapter for adapter in catalog.tourism}
    health = {adapter.source: adapter for adapter in catalog.health}
    complaints = {adapter.source: adapter for adapter in catalog.complaints}
    dimensions = {adapter.source: adapter for adapter in catalog.dimensions}
    return Loaders(
        spots=_loader("spots", lambda source: _distinct(source, tourism[source].spots())),
        facilities=_loader(
            "facilities", lambda key: _distinct(key[0], health[key[0]].facilities(key[1]))
        ),
        categories=_loader("categories", lambda source: complaints[source].categories()),
        complaints=_loader(
            "complaints", lambda key: _distinct(key[0], complaints[key[0]].complaints(key[1]))
        ),
        programs=_loader("programs", lambda key: dimensions[key[0]].programs(key[1])),
        indicators=_loader("indicators", lambda key: dimensions[key[0]].indicators(key[1])),
        complaint_records=_complaints_by_id(
            lambda source, ids: complaints_with_ids(complaints[source], ids)
        ),
    )


def loaded(loader: DataLoader[K, V], key: K) -> V | None:
    """What this request's loader already holds for ``key``, without waiting; None while
    it loads, when it failed (the awaiting path reports that) or when nobody asked yet."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled():
        return None
    return None if future.exception() is not None else future.result()


def loaded_all(loader: DataLoader[K, V], keys: Sequence[K]) -> list[V] | None:
    """What the loader holds for every key, in order, when it holds all of them; else None."""
    found = [loaded(loader, key) for key in keys]
    return None if any(value is None for value in found) else found  # type: ignore[return-value]


async def load_all(loader: DataLoader[K, V], keys: Sequence[K]) -> list[V | BaseException]:
    """Every key loaded, for fields to read later without waiting; failures are kept in
    place for those fields to report."""
    return await asyncio.gather(*(loader.load(key) for key in keys), return_exceptions=True)


async def _distinct(source: str, listing: Awaitable[Sequence[R]]) -> Sequence[R]:
    """A source's places or complaints, each under an id of its own."""
    return distinct_ids(source, await listing)


class SharedLoader(DataLoader[K, V]):
    """A DataLoader whose loads outlive any one field awaiting them: GraphQL cancels the
    siblings of a failed non-null field, and that must not cancel the load for the rest."""

    def load(self, key: K) -> Awaitable[V]:
        return asyncio.shield(super().load(key))


def _loader(name: str, load_one: Callable[[K], Awaitable[V]]) -> DataLoader[K, V]:
    """A loader whose keys are fetched concurrently, each failure kept with its own key;
    each batch is one span, ``load spots`` and the like."""

    async def load_many(keys: list[K]) -> list[V | BaseException]:
        return await _traced(name, len(keys), [load_one(key) for key in keys])

    return SharedLoader(load_fn=load_many)


def _complaints_by_id(
    load_ids: Callable[[str, list[str]], Awaitable[ComplaintList]],
) -> DataLoader[tuple[str, str], ComplaintRecord | None]:
    """Complaints by (source, id): one call per source for the whole batch, whatever its size;
    an id the source does not know loads None."""

    async def load_many(
        keys: list[tuple[str, str]],
    ) -> list[ComplaintRecord | BaseException | None]:
        asked: dict[str, list[str]] = {}
        for source, local_id in keys:
            asked.setdefault(source, []).append(local_id)
        calls = [load_ids(source, ids) for source, ids in asked.items()]
        answers = dict(
            zip(asked, await _traced("complaint_records", len(keys), calls), strict=True)
        )
        return [_record_in(answers[source], local_id) for source, local_id in keys]

    return SharedLoader(load_fn=load_many)


async def complaints_with_ids(adapter: ComplaintsAdapter, ids: Sequence[str]) -> ComplaintList:
    """In one call where the adapter can; else each complaint on its own, all at once."""
    if isinstance(adapter, ComplaintsById):
        return await adapter.complaints_by_id(ids)
    found = await asyncio.gather(*(adapter.complaint(local_id) for local_id in dict.fromkeys(ids)))
    return [record for record in found if record is not None]


def _record_in(
    answer: ComplaintList | BaseException, local_id: str
) -> ComplaintRecord | BaseException | None:
    if isinstance(answer, BaseException):
        return answer
    return next((record for record in answer if record.local_id == local_id), None)


async def _traced(name: str, size: int, calls: Sequence[Awaitable[V]]) -> list[V | BaseException]:
    """The calls of one batch, run concurrently in one span (when the request is traced),
    each failure kept in its place."""
    if not trace.get_current_span().is_recording():
        return list(await asyncio.gather(*calls, return_exceptions=True))
    with tracer.start_as_current_span(
        f"load {name}",
        attributes={"kotahub.loader": name, "kotahub.batch.size": size},
        record_exception=False,  # an exception's text may quote what it should not
        set_status_on_exception=False,
    ) as span:
        found = await asyncio.gather(*calls, return_exceptions=True)
        failures = [result for result in found if isinstance(result, BaseException)]
        if failures:
            code = _code(failures[0])
            span.set_attribute("error.type", code)
            span.set_attribute("kotahub.batch.failures", len(failures))
            span.set_status(Status(StatusCode.ERROR, code))
        return list(found)


def _code(failure: BaseException) -> str:
    """The failure's client-facing code (``UPSTREAM_TIMEOUT`` …), else its type's name."""
    code = getattr(failure, "code", None)
    return code if isinstance(code, str) else type(failure).__name__
