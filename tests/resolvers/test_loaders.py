"""DataLoaders: however many places ask, each source is searched once per request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import ClassVar

from strawberry.dataloader import DataLoader

from kotahub.adapters.catalog import Catalog
from kotahub.contract import (
    Adapter,
    ComplaintQuery,
    ComplaintsAdapter,
    ComplaintsById,
    Domain,
    HealthAdapter,
)
from kotahub.demo.app import COMPLAINTS_OPEN311, HEALTH_FHIR
from kotahub.demo.open311 import DEMO_API_KEY
from kotahub.records import ComplaintRecord, GeoPoint, HealthFacilityRecord, Near
from kotahub.resolvers.health import nearby_facilities
from kotahub.resolvers.loaders import loaded
from kotahub.resolvers.scope import RequestScope
from tests.support.request_scope import request_scope
from tests.support.servers import ThreadedServer


class CountingHealth:
    """A real health adapter that counts how often it is asked for facilities."""

    kind: ClassVar[str] = "counting"
    domain: ClassVar[Domain] = "health"

    def __init__(self, inner: HealthAdapter) -> None:
        self.inner = inner
        self.calls = 0

    @property
    def source(self) -> str:
        return self.inner.source

    async def probe(self) -> None:
        await self.inner.probe()

    async def facilities(self, near: Near | None = None) -> Sequence[HealthFacilityRecord]:
        self.calls += 1
        return await self.inner.facilities(near)


def _scope(adapter: CountingHealth) -> RequestScope:
    return request_scope(Catalog((adapter,)))


SPOTS = [GeoPoint(lat=-1.27 + i * 0.005, lon=116.83 + i * 0.01) for i in range(20)]


async def test_twenty_places_in_one_request_make_one_adapter_call(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    fhir = make_adapter(name="health", kind="fhir-r4", base_url=demo_server.url + HEALTH_FHIR)
    adapter = CountingHealth(fhir)  # type: ignore[arg-type]
    scope = _scope(adapter)
    found = await asyncio.gather(*(nearby_facilities(scope, spot, 5.0, None, 3) for spot in SPOTS))
    assert adapter.calls == 1
    assert all(not result.failures for result in found)
    assert sum(bool(result.value) for result in found) >= 10


async def test_each_request_has_loaders_of_its_own(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    fhir = make_adapter(name="health", kind="fhir-r4", base_url=demo_server.url + HEALTH_FHIR)
    adapter = CountingHealth(fhir)  # type: ignore[arg-type]
    for spot in SPOTS[:3]:
        await nearby_facilities(_scope(adapter), spot, 5.0, None, 3)
    assert adapter.calls == 3


class ComplaintsOneByOne:
    """A partner's complaints adapter written before complaints_by_id: a real Open311 adapter
    seen through the methods every complaints adapter has, counting lookups by id."""

    kind: ClassVar[str] = "one-by-one"
    domain: ClassVar[Domain] = "complaints"

    def __init__(self, inner: ComplaintsAdapter) -> None:
        self.inner = inner
        self.asked: list[str] = []

    @property
    def source(self) -> str:
        return self.inner.source

    async def probe(self) -> None:
        await self.inner.probe()

    async def complaint(self, local_id: str) -> ComplaintRecord | None:
        self.asked.append(local_id)
        return await self.inner.complaint(local_id)

    async def submit(self, submission: object, idempotency_key: str) -> object:
        raise AssertionError("not used here")


async def test_complaints_by_id_fall_back_to_one_lookup_per_id(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    open311 = make_adapter(
        name="lapor",
        kind="open311",
        base_url=demo_server.url + COMPLAINTS_OPEN311,
        api_key=DEMO_API_KEY,
    )
    adapter = ComplaintsOneByOne(open311)  # type: ignore[arg-type]
    assert not isinstance(adapter, ComplaintsById)
    listed = await open311.complaints(ComplaintQuery())  # type: ignore[attr-defined]
    ids = [record.local_id for record in listed[:3]]
    loader = request_scope(Catalog((adapter,))).loaders.complaint_records
    found = await asyncio.gather(
        *(loader.load(("lapor", local_id)) for local_id in [*ids, ids[0], "BPN-999999"])
    )
    assert [record.local_id if record else None for record in found] == [*ids, ids[0], None]
    assert sorted(adapter.asked) == sorted([*ids, "BPN-999999"])  # each id once


async def test_loaded_is_what_a_loader_holds_without_waiting() -> None:
    release = asyncio.Event()

    async def load(keys: list[str]) -> list[str | BaseException]:
        await release.wait()
        return [ValueError(key) if key == "bad" else key.upper() for key in keys]

    loader: DataLoader[str, str] = DataLoader(load_fn=load)
    assert loaded(loader, "a") is None  # never asked
    pending = [loader.load("a"), loader.load("bad")]
    await asyncio.sleep(0)
    assert loaded(loader, "a") is None  # still loading
    release.set()
    await asyncio.gather(*pending, return_exceptions=True)
    assert loaded(loader, "a") == "A"
    assert loaded(loader, "bad") is None  # failed: the awaiting path reports it
