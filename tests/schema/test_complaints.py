"""Complaints through GraphQL over real HTTP to the reference Open311 server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.complaints import road_complaint, submit, wait_for_status
from tests.support.graphql import gql
from tests.support.servers import ThreadedServer

LIST = """query ($filter: ComplaintFilter, $first: Int, $after: String) {
  complaints(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { trackingId status categoryName district agency statusNotes
                   requestedAt expectedAt isOverdue closedOnTime description } } } }"""


async def test_categories_list_their_questions(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = (
        "{ complaintCategories { code name source questions { code required choices { key } } } }"
    )
    async with hub(hub_settings()) as client:
        body = await gql(client, query)
    categories = {c["code"]: c for c in body["data"]["complaintCategories"]}
    assert len(categories) >= 7 and categories["sampah"]["source"] == "complaints"
    road = {q["code"]: q for q in categories["jalan-rusak"]["questions"]}
    assert road["tingkat_kerusakan"]["required"] is True
    assert [c["key"] for c in road["tingkat_kerusakan"]["choices"]] == ["ringan", "sedang", "berat"]


async def test_complaints_filter_page_and_judge_deadlines(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        open_ones = await gql(client, LIST, {"filter": {"status": "OPEN"}, "first": 100})
        utara = await gql(client, LIST, {"filter": {"district": "Balikpapan Utara"}, "first": 100})
        roads = await gql(client, LIST, {"filter": {"category": "jalan-rusak"}, "first": 3})
    nodes = [e["node"] for e in open_ones["data"]["complaints"]["edges"]]
    now = datetime.now(UTC)
    assert nodes and all(n["status"] == "OPEN" and n["closedOnTime"] is None for n in nodes)
    for node in nodes:
        expected = datetime.fromisoformat(node["expectedAt"]) if node["expectedAt"] else None
        if expected is not None:
            assert node["isOverdue"] == (now > expected)
    assert any(n["isOverdue"] for n in nodes) and not all(n["isOverdue"] for n in nodes)
    assert {e["node"]["district"] for e in utara["data"]["complaints"]["edges"]} == {
        "Balikpapan Utara"
    }
    page = roads["data"]["complaints"]
    assert len(page["edges"]) == 3 and page["pageInfo"]["hasNextPage"]
    assert all(e["node"]["categoryName"] == "Jalan rusak" for e in page["edges"])


async def test_submit_queued_then_submitted(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    store = demo_server.app.state.complaints.state.store
    before = store.count_requests()
    async with hub(hub_settings()) as client:
        answer = await submit(client, road_complaint(), key="portal-1")
        assert answer["deliveryStatus"] == "QUEUED" and answer["errors"] == []
        assert answer["trackingId"].startswith("KH-")
        done = await wait_for_status(client, answer["trackingId"], "SUBMITTED")
        again = await submit(client, road_complaint(), key="portal-1")
    assert done["sourceId"].startswith("BPN-") and done["categoryName"] == "Jalan rusak"
    assert done["description"] == road_complaint()["description"] and done["status"] == "OPEN"
    assert again["trackingId"] == answer["trackingId"]
    assert store.count_requests() == before + 1


async def test_upstream_refusal_becomes_rejected_with_its_reason(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    # Inside the hub's configured city box but outside the one the city's server accepts.
    edge = road_complaint(location={"lat": -1.36, "lon": 116.78})
    async with hub(hub_settings()) as client:
        answer = await submit(client, edge)
        done = await wait_for_status(client, answer["trackingId"], "REJECTED")
    assert done["sourceId"] is None and "lat" in done["rejectionReason"].lower()


FAULTS: list[tuple[str, dict[str, Any], str, str]] = [
    ("category", {"category": "parkir"}, "category", "no category has this code"),
    ("place", {"location": None}, "location", "give a location (lat, lon) or an address"),
    ("outside", {"location": {"lat": -6.2, "lon": 106.8}}, "location", "outside the city"),
    ("empty", {"description": "  "}, "description", "describe the problem"),
    ("long", {"description": "x" * 4001}, "description", "at most 4000 characters, got 4001"),
    ("media", {"mediaUrl": "ftp://foto"}, "mediaUrl", "expected an http:// or https:// URL"),
    ("email", {"reporter": {"email": "siti-at-example"}}, "reporter.email", "not a valid e-mail"),
    ("phone", {"reporter": {"phone": "12"}}, "reporter.phone", "expected a phone number"),
    ("required", {"answers": []}, "attributes.tingkat_kerusakan", "required:"),
    (
        "choice",
        {"answers": [{"code": "tingkat_kerusakan", "values": ["parah"]}]},
        "attributes.tingkat_kerusakan",
        "not one of ['ringan', 'sedang', 'berat']",
    ),
    (
        "number",
        {
            "answers": [
                {"code": "tingkat_kerusakan", "values": ["berat"]},
                {"code": "lebar_lubang_cm", "values": ["lebar"]},
            ]
        },
        "attributes.lebar_lubang_cm",
        "expected a number",
    ),
    (
        "unknown",
        {
            "answers": [
                {"code": "tingkat_kerusakan", "values": ["berat"]},
                {"code": "warna", "values": ["merah"]},
            ]
        },
        "answers[1].code",
        "this category asks no question with this code; expected one of ['jenis_kerusakan',",
    ),
    (
        "multiple",
        {"answers": [{"code": "tingkat_kerusakan", "values": ["berat", "ringan"]}]},
        "attributes.tingkat_kerusakan",
        "expected one answer, got 2",
    ),
    (
        "repeated",
        {
            "answers": [
                {"code": "tingkat_kerusakan", "values": ["berat"]},
                {"code": "tingkat_kerusakan", "values": ["ringan"]},
            ]
        },
        "answers[1].code",
        "the same question as answers[0]; give all its values in one answer",
    ),
]


@pytest.mark.parametrize(
    ("changes", "field", "message"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS]
)
async def test_each_fault_is_named_and_nothing_is_recorded(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    complaints_log: Any,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    async with hub(hub_settings()) as client:
        answer = await submit(client, road_complaint(**changes))
    assert answer["trackingId"] is None and answer["deliveryStatus"] is None
    assert [e["field"] for e in answer["errors"]] == [field]
    assert message in answer["errors"][0]["message"]
    assert complaints_log.count("/requests") == 0  # nothing was posted upstream


async def test_tracking_survives_the_source_being_down(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    settings = hub_settings()
    async with hub(settings) as client:
        answer = await submit(client, road_complaint())
        await wait_for_status(client, answer["trackingId"], "SUBMITTED")
    down = {"name": "complaints", "kind": "open311", "base_url": "http://127.0.0.1:9"}
    gone = settings.model_copy(update={"sources": (type(settings.sources[0])(**down),)})
    async with hub(gone) as client:
        body = await gql(
            client,
            "query ($id: String!) { complaint(trackingId: $id) "
            "{ trackingId deliveryStatus description } }",
            {"id": answer["trackingId"]},
        )
    assert body["data"]["complaint"] == {
        "trackingId": answer["trackingId"],
        "deliveryStatus": "SUBMITTED",
        "description": None,
    }
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
