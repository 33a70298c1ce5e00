"""Open311 servers as real cities run them, through the hub: definitions they do not have,
requests without a position."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from kotahub.contract import Adapter, ComplaintsAdapter
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.corpus import CORPUS, read_case, upstream_app
from tests.support.graphql import gql
from tests.support.servers import ThreadedServer

CATEGORIES = "{ complaintCategories { code source questions { code } } }"
SOURCES = "{ sources { name skippedRecords { count incomplete total firstReason } } }"
AROUND = """{ complaints(first: 20) { edges { node {
  id sourceId location { lat lon } nearby(radiusKm: 5) { id distanceKm } } } } }"""


class CountsPaths:
    """Passes requests on to ``app``, counting them by path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.asked: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.asked[scope.get("path", "")] += 1
        await self.app(scope, receive, send)


def _served(case: str) -> Iterator[ThreadedServer]:
    server = ThreadedServer(CountsPaths(upstream_app(read_case(CORPUS / "open311" / case))))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def missing_definition() -> Iterator[ThreadedServer]:
    yield from _served("missing-definition")


@pytest.fixture
def without_positions() -> Iterator[ThreadedServer]:
    yield from _served("city-without-positions")


def _only(server: ThreadedServer, **options: Any) -> list[dict[str, Any]]:
    return [{"name": "complaints", "kind": "open311", "base_url": server.url, "options": options}]


async def test_a_missing_definition_keeps_every_category_and_sources_say_so(
    hub: HubFactory, hub_settings: Callable[..., Settings], missing_definition: ThreadedServer
) -> None:
    async with hub(hub_settings(sources=_only(missing_definition))) as client:
        body = await gql(client, CATEGORIES)
        sources = await gql(client, SOURCES)  # once the categories were read
    assert "errors" not in body, body
    questions = {
        c["code"]: [q["code"] for q in c["questions"]] for c in body["data"]["complaintCategories"]
    }
    assert questions == {
        "STRTLGHT": ["POLE_NUMBER", "LIGHT_STATE"],
        "ABNDVHCL": [],
        "SWRCMPLT": ["SWR_TYPE"],
        "TREEDBRS": [],
    }
    [source] = sources["data"]["sources"]
    assert (source["skippedRecords"]["count"], source["skippedRecords"]["incomplete"]) == (0, 1)
    assert source["skippedRecords"]["firstReason"].startswith(
        "no definition: service 'ABNDVHCL': GET /services/ABNDVHCL.json answered HTTP 404"
    )


async def test_a_missing_definition_is_asked_for_once_per_fetch_of_the_service_list(
    make_adapter: Callable[..., Adapter], missing_definition: ThreadedServer
) -> None:
    adapter = cast(
        ComplaintsAdapter,
        make_adapter(name="lapor", kind="open311", base_url=missing_definition.url),
    )
    for _ in range(3):  # three requests to the hub, the service list cached
        assert len(await adapter.categories()) == 4
    asked = missing_definition.app.asked
    assert asked["/services.json"] == 1 and asked["/services/ABNDVHCL.json"] == 1


async def test_requests_without_a_position_are_kept_and_have_nothing_nearby(
    hub: HubFactory, hub_settings: Callable[..., Settings], without_positions: ThreadedServer
) -> None:
    sources = _only(without_positions, page_size=0)
    async with hub(hub_settings(sources=sources)) as client:
        body = await gql(client, AROUND)
    assert "errors" not in body, body
    nodes = {e["node"]["sourceId"]: e["node"] for e in body["data"]["complaints"]["edges"]}
    placeless = {"14-00045841", "14-00045842", "14-00045843", "14-00045844", "14-00045845"}
    assert len(nodes) == 7
    assert {source_id for source_id, node in nodes.items() if node["location"] is None} == (
        placeless
    )
    assert all(nodes[source_id]["nearby"] == [] for source_id in placeless)
    ids_placeless = {nodes[source_id]["id"] for source_id in placeless}
    for node in nodes.values():
        assert not ids_placeless & {near["id"] for near in node["nearby"]}


SUBMIT = """mutation Submit($category: String!, $code: String!) {
  submitComplaint(input: {category: $category, description: "Mobil ditinggal di bahu jalan",
    address: "Jl. Jenderal Sudirman", answers: [{code: $code, values: ["merah"]}]}) {
    deliveryStatus errors { field message } } }"""


async def test_answers_for_a_category_whose_questions_are_unknown_go_to_the_source(
    hub: HubFactory, hub_settings: Callable[..., Settings], missing_definition: ThreadedServer
) -> None:
    settings = hub_settings(sources=_only(missing_definition), delivery_worker=False)
    async with hub(settings) as client:
        known = await gql(client, "{ complaintCategories { code questionsKnown } }")
        unknown = await gql(client, SUBMIT, {"category": "ABNDVHCL", "code": "VEHICLE_COLOR"})
        listed = await gql(client, SUBMIT, {"category": "STRTLGHT", "code": "VEHICLE_COLOR"})
    flags = {c["code"]: c["questionsKnown"] for c in known["data"]["complaintCategories"]}
    assert flags == {"STRTLGHT": True, "ABNDVHCL": False, "SWRCMPLT": True, "TREEDBRS": True}
    passed_on = unknown["data"]["submitComplaint"]
    assert (passed_on["deliveryStatus"], passed_on["errors"]) == ("QUEUED", [])
    refused = listed["data"]["submitComplaint"]
    assert refused["deliveryStatus"] is None
    assert any(e["field"] == "answers[0].code" for e in refused["errors"]), refused
