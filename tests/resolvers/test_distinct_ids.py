"""Records that share an id upstream: each reachable under an id of its own, warned of once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kotahub.adapters.catalog import Catalog
from kotahub.contract import ComplaintQuery, Domain, Receipt
from kotahub.hub.settings import Settings
from kotahub.records import (
    ComplaintCategoryRecord,
    ComplaintRecord,
    ComplaintSubmission,
    GeoPoint,
    Provenance,
    TouristSpotRecord,
)
from kotahub.resolvers.complaints import ComplaintFilter, find_complaints, record_by_id, track
from kotahub.resolvers.distinct_ids import base_id, content_hash, distinct_ids
from kotahub.resolvers.paging import PageRequest
from tests.conftest import HubFactory
from tests.support.graphql import gql
from tests.support.request_scope import request_scope
from tests.support.servers import ThreadedServer

FETCHED = datetime(2024, 5, 1, 8, tzinfo=UTC)
READ = Provenance("parks", FETCHED)


def _spot(local_id: str, name: str, lat: float, **extra: Any) -> TouristSpotRecord:
    return TouristSpotRecord("parks", local_id, name, READ, location=GeoPoint(lat, 116.83), **extra)


BEKAPAI = _spot("3", "Taman Bekapai", -1.2765)
TIGA_GENERASI = _spot("3", "Taman Tiga Generasi", -1.2665)
MUSEUM = _spot("7", "Museum Perang Dunia II", -1.2772)


def test_records_with_ids_of_their_own_are_listed_as_they_are() -> None:
    records = [BEKAPAI, MUSEUM]
    assert distinct_ids("parks", records) is records


def test_different_records_sharing_an_id_each_get_one_of_their_own() -> None:
    listed = distinct_ids("parks", [BEKAPAI, MUSEUM, TIGA_GENERASI])
    assert [record.name for record in listed] == [BEKAPAI.name, MUSEUM.name, TIGA_GENERASI.name]
    first, museum, second = (record.local_id for record in listed)
    assert museum == "7"
    assert first == "3~" + content_hash(BEKAPAI)[:8]
    assert second == "3~" + content_hash(TIGA_GENERASI)[:8]
    assert first != second
    assert base_id(first) == base_id(second) == "3"


def test_the_ids_are_the_same_for_the_same_data_in_any_order_and_any_process() -> None:
    forward = {r.name: r.local_id for r in distinct_ids("parks", [BEKAPAI, TIGA_GENERASI])}
    backward = {r.name: r.local_id for r in distinct_ids("parks", [TIGA_GENERASI, BEKAPAI])}
    assert forward == backward
    # A digest of the record's content, not of Python's per-process hash(): the same on
    # every replica and after every restart.
    assert forward["Taman Bekapai"] == "3~1a97370b"
    fetched_later = replace(BEKAPAI, provenance=Provenance("parks", FETCHED + timedelta(hours=1)))
    assert content_hash(fetched_later) == content_hash(BEKAPAI)
    assert content_hash(replace(BEKAPAI, opening_hours="24/7")) != content_hash(BEKAPAI)


@dataclass(frozen=True)
class LaterSpot(TouristSpotRecord):
    """A record as a later hub might have it, with a field added."""

    accessibility: str | None = None


def test_a_field_added_to_the_records_later_keeps_the_ids_given() -> None:
    later = LaterSpot("parks", "3", BEKAPAI.name, READ, location=BEKAPAI.location)
    assert content_hash(later) == content_hash(BEKAPAI)


def test_a_record_repeated_alike_is_listed_once_under_its_own_id() -> None:
    again = replace(MUSEUM, provenance=Provenance("parks", FETCHED + timedelta(seconds=2)))
    listed = distinct_ids("parks", [MUSEUM, BEKAPAI, again])
    assert [(record.local_id, record.name) for record in listed] == [
        ("7", MUSEUM.name),
        ("3", BEKAPAI.name),
    ]


def test_an_id_the_source_gives_itself_is_not_given_again() -> None:
    taken = "3~" + content_hash(TIGA_GENERASI)[:8]
    owner = _spot(taken, "Pantai Kemala", -1.2766)
    listed = distinct_ids("parks", [BEKAPAI, owner, TIGA_GENERASI])
    ids = [record.local_id for record in listed]
    assert len(set(ids)) == 3
    assert ids[1] == taken
    assert ids[2] == "3~" + content_hash(TIGA_GENERASI)[:12]


@pytest.mark.parametrize(
    ("local_id", "base"),
    [("3~45d2d76a", "3"), ("a~b~0123456789ab", "a~b"), ("3", None), ("3~xyz12345", None),
     ("~45d2d76a", None), ("3~45d2", None)],
)  # fmt: skip
def test_a_hub_id_for_a_shared_one_is_told_from_any_other(local_id: str, base: str | None) -> None:
    assert base_id(local_id) == base


def test_shared_ids_are_warned_of_once_per_fetch(caplog: pytest.LogCaptureFixture) -> None:
    records = [BEKAPAI, MUSEUM, TIGA_GENERASI, MUSEUM]
    with caplog.at_level(logging.WARNING, logger="kotahub.resolvers"):
        for _ in range(3):
            distinct_ids("warned", records)
        refetched = Provenance("warned", FETCHED + timedelta(minutes=5))
        distinct_ids("warned", [replace(record, provenance=refetched) for record in records])
    warnings = [m for m in caplog.messages if m.startswith("source warned:")]
    assert len(warnings) == 2
    assert warnings[0] == (
        "source warned: 1 ids given to different records (3), each of them listed as the id, "
        "'~' and a hash of its content; 1 records repeated alike, listed once"
    )


# The same places over real HTTP, through the hub, from a GeoJSON portal.
NOW = datetime.now(UTC).replace(microsecond=0)
FEATURES = [
    {"type": "Feature", "id": 3, "geometry": {"type": "Point", "coordinates": [116.83, -1.2765]},
     "properties": {"name": "Taman Bekapai"}},
    {"type": "Feature", "id": 7, "geometry": {"type": "Point", "coordinates": [116.83, -1.2772]},
     "properties": {"name": "Museum Perang Dunia II"}},
    {"type": "Feature", "id": 3, "geometry": {"type": "Point", "coordinates": [116.83, -1.2665]},
     "properties": {"name": "Taman Tiga Generasi"}},
]  # fmt: skip


async def _collection(request: Request) -> Response:
    return JSONResponse({"type": "FeatureCollection", "features": FEATURES})


@pytest.fixture(scope="module")
def upstream() -> Iterator[ThreadedServer]:
    routes = [
        Route("/parks", _collection),
    ]
    server = ThreadedServer(Starlette(routes=routes))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shared_id_settings(hub_settings: Callable[..., Settings], upstream: ThreadedServer) -> Settings:
    return hub_settings(
        sources=[
            {"name": "parks", "kind": "geojson", "base_url": upstream.url + "/parks",
             "options": {"page_size": 0}},
        ]
    )  # fmt: skip


SPOTS = """{ touristSpots(first: 10) { edges { node { id name
  nearby(radiusKm: 2, kinds: [TOURIST_SPOT]) { item { ... on TouristSpot { name } } } } } } }"""
NODE = "query ($id: ID!) { node(id: $id) { ... on TouristSpot { name } } }"


async def test_places_sharing_an_id_are_each_reachable_and_near_one_another(
    hub: HubFactory, shared_id_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="kotahub.resolvers"):
        async with hub(shared_id_settings) as client:
            body = await gql(client, SPOTS)
            again = await gql(client, SPOTS)
            spots = {e["node"]["name"]: e["node"] for e in body["data"]["touristSpots"]["edges"]}
            found = {
                name: (await gql(client, NODE, {"id": spot["id"]}))["data"]["node"]
                for name, spot in spots.items()
            }
    assert again == body
    assert len({spot["id"] for spot in spots.values()}) == 3
    assert found == {name: {"name": name} for name in spots}
    nearby = {name: [hit["item"]["name"] for hit in s["nearby"]] for name, s in spots.items()}
    assert nearby["Taman Bekapai"] == ["Museum Perang Dunia II", "Taman Tiga Generasi"]
    assert nearby["Taman Tiga Generasi"] == ["Taman Bekapai", "Museum Perang Dunia II"]
    warned = [m for m in caplog.messages if m.startswith("source parks:")]
    assert len(warned) == 1 and "1 ids given to different records (3)" in warned[0]


class SharedIdDesk:
    """A partner's complaints source (a plug-in over an agency's export) that lists two
    complaints under one id; asked for that id, it answers with the first."""

    kind: ClassVar[str] = "export"
    domain: ClassVar[Domain] = "complaints"
    source = "lapor"

    def __init__(self, records: Sequence[ComplaintRecord]) -> None:
        self.records = records
        self.asked: list[str] = []

    async def probe(self) -> None:
        return None

    async def categories(self) -> Sequence[ComplaintCategoryRecord]:
        return ()

    async def complaints(self, query: ComplaintQuery) -> Sequence[ComplaintRecord]:
        return self.records

    async def complaint(self, local_id: str) -> ComplaintRecord | None:
        self.asked.append(local_id)
        return next((r for r in self.records if r.local_id == local_id), None)

    async def submit(self, submission: ComplaintSubmission, idempotency_key: str) -> Receipt:
        raise AssertionError("not used here")

    async def id_for_token(self, token: str) -> str | None:
        return None


POTHOLE = ComplaintRecord("lapor", "5001", READ, description="Lubang di Jl. Sudirman")
SUBSIDENCE = ComplaintRecord("lapor", "5001", READ, description="Jalan amblas", status="closed")


async def test_complaints_sharing_an_id_are_each_found_by_theirs() -> None:
    desk = SharedIdDesk([POTHOLE, SUBSIDENCE])
    scope = request_scope(Catalog((desk,)))
    page = (await find_complaints(scope, ComplaintFilter(), PageRequest(10, 0))).value
    listed = [record for _, record in page.items]
    ids = [record.local_id for record in listed]
    assert len(set(ids)) == 2 and all(base_id(local_id) == "5001" for local_id in ids)
    fresh = request_scope(Catalog((desk,)))  # a later request: nothing loaded yet
    found = [await record_by_id(fresh, "lapor", local_id) for local_id in ids]
    assert found == listed
    tracked = await track(request_scope(Catalog((desk,))), ids[1])
    assert tracked is not None and tracked.record == listed[1]
    assert desk.asked == []  # found in the list, as the hub named them there
    assert await record_by_id(fresh, "lapor", "5001") == POTHOLE  # the bare id: the source's
