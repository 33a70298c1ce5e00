"""/metrics per GraphQL operation, the outbox's depth, and failed deliveries."""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import httpx
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from kotahub.adapters.catalog import Catalog
from kotahub.contract import Adapter
from kotahub.hub.graphql.outcome_log import GraphQLAccess
from kotahub.hub.http.graphql_call import graphql_call
from kotahub.hub.http.graphql_request import GraphQLRequest, Operations
from kotahub.hub.http.replies import send_errors
from kotahub.hub.settings import Settings
from kotahub.observability.metrics import HubMetrics
from kotahub.observability.operation_labels import OperationLabels
from kotahub.outbox.delivery import DeliveryTiming, DeliveryWorker
from kotahub.outbox.store import Outbox
from kotahub.records import ComplaintSubmission
from tests.conftest import HubFactory
from tests.observability.test_metrics import samples
from tests.support.complaints import road_complaint, submit
from tests.support.ports import free_port
from tests.support.redis_server import RedisServer

SPOTS = "query Spots { touristSpots(first: 2) { totalCount } }"
LONG_NAME = "L" * 65


async def _post(client: httpx.AsyncClient, query: str, name: str | None = None) -> httpx.Response:
    payload = {"query": query} if name is None else {"query": query, "operationName": name}
    return await client.post("/graphql", json=payload)


def _requests(found: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[str, float]:
    """``operation/outcome`` -> count, from kotahub_graphql_requests_total."""
    return {
        f"{dict(labels)['operation']}/{dict(labels)['outcome']}": value
        for (name, labels), value in found.items()
        if name == "kotahub_graphql_requests_total"
    }


async def test_requests_are_counted_by_operation_and_outcome(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(delivery_worker=False, portal=False)) as client:
        answers = [await _post(client, SPOTS, "Spots") for _ in range(2)]  # a miss, then a hit
        await _post(client, "{ healthFacilities(first: 1) { totalCount } }")
        await _post(client, "query Oops { noSuchField }", "Oops")  # GraphQL says why
        await _post(client, "query Broken { touristSpots(", "Broken")  # the door refuses it
        await _post(client, f"query {LONG_NAME} {{ dimensions {{ code }} }}", LONG_NAME)
        await client.get("/graphql", headers={"accept": "text/html"})  # the playground
        found = samples((await client.get("/metrics")).text)
    assert [a.headers["x-kotahub-cache"] for a in answers] == ["miss", "hit"]
    assert _requests(found) == {
        "Spots/ok": 1,
        "Spots/cache_hit": 1,
        "anonymous/ok": 1,
        "Oops/errors": 1,
        "Broken/refused": 1,
        "invalid/ok": 1,
    }
    latency = ("kotahub_graphql_request_duration_seconds_count", (("operation", "Spots"),))
    assert found[latency] == 2


async def test_refused_before_reading_is_unknown_and_rate_limits_are_refusals(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    limits = {"anonymous": "2/minute"}
    async with hub(hub_settings(delivery_worker=False, rate_limits=limits)) as client:
        statuses = [(await _post(client, SPOTS, "Spots")).status_code for _ in range(3)]
        too_big = await client.post(
            "/graphql", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
        )
        found = samples((await client.get("/metrics")).text)
    assert statuses == [200, 200, 429] and too_big.status_code == 413
    assert _requests(found) == {
        "Spots/ok": 1,
        "Spots/cache_hit": 1,
        "unknown/refused": 2,  # refused before its operation was read
    }


def test_operation_labels_are_bounded() -> None:
    labels = OperationLabels(max_distinct=2)
    named = [labels.label(name, earned=True) for name in ("A", "B", "C", "A")]
    assert named == ["A", "B", "other", "A"]
    assert [labels.label(name, earned=True) for name in (None, "")] == ["anonymous"] * 2
    assert {labels.label(name, earned=True) for name in ("9x", "a-b", "x" * 65)} == {"invalid"}
    assert labels.label("x" * 64, earned=True) == "other"


def test_names_of_failed_requests_take_at_most_half_the_labels() -> None:
    labels = OperationLabels(max_distinct=4)
    junk = [labels.label(f"Junk{n}", earned=False) for n in range(10)]
    assert junk == ["Junk0", "Junk1"] + ["other"] * 8
    assert labels.label("Junk1", earned=False) == "Junk1"  # a label once given stays
    ran = [labels.label(name, earned=True) for name in ("Spots", "Contacts", "Third")]
    assert ran == ["Spots", "Contacts", "other"]


async def test_junk_names_cannot_crowd_out_the_operations_that_run(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(delivery_worker=False, portal=False)) as client:
        for n in range(210):  # refused at the door: they never ran
            await _post(client, f"query Junk{n} {{ touristSpots(", f"Junk{n}")
        await _post(client, SPOTS, "Spots")
        found = samples((await client.get("/metrics")).text)
    counted = _requests(found)
    assert counted["Spots/ok"] == 1
    assert sum(1 for label in counted if label.startswith("Junk")) == 100
    assert counted["other/refused"] == 110


async def test_persisted_operations_keep_their_labels_whatever_ran_before(
    hub: HubFactory, hub_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    contacts = "query Contacts { emergencyContacts { number } }"
    digest = hashlib.sha256(contacts.encode()).hexdigest()
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({digest: contacts}))
    settings = hub_settings(delivery_worker=False, persisted_queries_file=manifest, portal=False)
    async with hub(settings) as client:
        for n in range(200):  # names that ran, before the portal's first request
            await _post(client, f"query Ok{n} {{ __typename }}")
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        await client.post("/graphql", json={"extensions": extensions})
        found = samples((await client.get("/metrics")).text)
    counted = _requests(found)
    assert counted["Contacts/ok"] == 1
    assert counted["other/ok"] == 1  # the two hundredth name: Contacts holds a label


async def test_a_document_refused_unparsed_is_not_parsed_for_its_name(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    huge = "query Huge { " + "a " * 20_000 + "}"  # over max_query_length: never parsed
    costly = (
        "query Costly { touristSpots(first: 100) { edges { node { nearby(first: 200) { id } } } } }"
    )
    async with hub(hub_settings(delivery_worker=False, portal=False)) as client:
        await _post(client, huge)
        await _post(client, costly)  # parsed and measured by the door: it is named
        found = samples((await client.get("/metrics")).text)
    assert _requests(found) == {"anonymous/refused": 1, "Costly/refused": 1}


async def test_an_operation_refused_once_chosen_keeps_its_name(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    undeclared = {"query": "query Undeclared { dimensions { code } }", "variables": {"x": 1}}
    async with hub(hub_settings(delivery_worker=False, portal=False)) as client:
        await client.post("/graphql", json=undeclared)
        await client.get("/graphql", params={"query": "mutation OverGet { __typename }"})
        found = samples((await client.get("/metrics")).text)
    assert _requests(found) == {"Undeclared/refused": 1, "OverGet/refused": 1}


async def door_that_chose(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands in for the door: it read one request, chose the operation the x-chosen header
    names (none without it, as when refusing before choosing), and refused it."""
    chosen = dict(scope["headers"]).get(b"x-chosen")
    call = graphql_call(scope)
    call.read = Operations((GraphQLRequest("query InTheText { dimensions { code } }"),))
    if chosen is not None:
        call.chosen.append(chosen.decode())
    await send_errors(send, 400, [{"message": "refused"}])


async def test_the_access_log_names_what_the_door_chose_and_parses_nothing() -> None:
    metrics = HubMetrics()
    app = Starlette(routes=[Route("/graphql", GraphQLAccess(door_that_chose), methods=["POST"])])
    app.state.runtime = SimpleNamespace(metrics=metrics)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        await client.post("/graphql", content=b"{}", headers={"x-chosen": "Chosen"})
        await client.post("/graphql", content=b"{}")
    found = samples(metrics.exposition().decode())
    assert _requests(found) == {"Chosen/refused": 1, "anonymous/refused": 1}


async def test_outbox_depth_counts_what_waits_for_delivery(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(delivery_worker=False, portal=False)) as client:
        before = samples((await client.get("/metrics")).text)
        for n in range(2):
            await submit(client, road_complaint(description=f"Lubang nomor {n}"))
        after = samples((await client.get("/metrics")).text)
    assert before[("kotahub_outbox_depth", ())] == 0
    assert after[("kotahub_outbox_depth", ())] == 2


async def test_outbox_depth_is_nan_while_redis_is_away(
    hub: HubFactory, hub_settings: Callable[..., Settings], private_redis: RedisServer
) -> None:
    settings = hub_settings(redis_url=private_redis.url, delivery_worker=False)
    async with hub(settings) as client:
        private_redis.stop()
        response = await client.get("/metrics")
        private_redis.start()
    assert response.status_code == 200
    assert math.isnan(samples(response.text)[("kotahub_outbox_depth", ())])


async def test_failed_deliveries_are_counted_by_source(
    redis_url: str, make_adapter: Callable[..., Adapter]
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/"
    adapter = make_adapter(name="complaints", kind="open311", base_url=nowhere)
    redis = Redis.from_url(redis_url)
    outbox = Outbox(redis, f"test-{uuid.uuid4().hex[:12]}")
    metrics = HubMetrics()
    worker = DeliveryWorker(outbox, Catalog((adapter,)), DeliveryTiming(poll_ms=10), metrics)
    try:
        await outbox.ensure_group()
        await outbox.record(_road(), None)
        assert await worker.run_once() == 0
    finally:
        await redis.aclose()
    found = samples(metrics.exposition().decode())
    assert found[("kotahub_delivery_failures_total", (("source", "complaints"),))] == 1


def _road() -> ComplaintSubmission:
    return ComplaintSubmission(
        source="complaints",
        category_code="jalan-rusak",
        description="Lubang di jalan",
        lat=-1.27,
        lon=116.84,
        attributes={"tingkat_kerusakan": "ringan"},
    )


async def test_a_named_operation_is_named_without_operation_name(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(delivery_worker=False, portal=False)) as client:
        await _post(client, SPOTS)
        await _post(client, "mutation Bad { noSuchField }")
        found = samples((await client.get("/metrics")).text)
    assert _requests(found) == {"Spots/ok": 1, "Bad/errors": 1}
