"""@defer and @stream over HTTP: multipart/mixed for clients that read it, refused for others."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kotahub.demo.app import create_demo_app
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, health_source, tourism_source
from tests.observability.test_metrics import samples
from tests.support.api_keys import api_keys
from tests.support.complaints import REPORTER, road_complaint
from tests.support.hub_process import hub_processes
from tests.support.multipart import Part, merged, parts_of, timed_parts
from tests.support.ports import free_port
from tests.support.servers import ThreadedServer

MULTIPART = "multipart/mixed;deferSpec=20220824,application/json"
NEARBY = "edges { node { name nearbyHealthFacilities(first: 2) { name distanceKm } } }"
DEFERRED = f"""query Spots {{ touristSpots(first: 3) {{
  totalCount ... @defer(label: "near") {{ {NEARBY} }} }} }}"""
WHOLE = f"query Spots {{ touristSpots(first: 3) {{ totalCount {NEARBY} }} }}"
STREAMED = "{ touristSpots(first: 4) { edges @stream(initialCount: 1) { node { name } } } }"


@pytest.fixture
def settings(hub_settings: Callable[..., Settings]) -> Settings:
    return hub_settings(api_keys=api_keys(), delivery_worker=False)


async def post(
    client: httpx.AsyncClient, query: str, accept: str = MULTIPART, **more: Any
) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, **more}, headers={"accept": accept})


def parts(response: httpx.Response) -> list[Part]:
    assert response.status_code == 200, response.text
    return parts_of(response.headers["content-type"], response.content)


def refusal(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    return dict(error)


async def test_the_count_comes_first_and_the_deferred_part_after(
    hub: HubFactory, settings: Settings
) -> None:
    async with hub(settings) as client:
        response = await post(client, DEFERRED)
        whole = (await post(client, WHOLE, "application/json")).json()
    assert response.headers["content-type"] == 'multipart/mixed; boundary="-"; deferSpec=20220824'
    assert response.headers["x-kotahub-cache"] == "bypass"  # an answer in parts is never kept
    first, *later = parts(response)
    assert first == {"data": {"touristSpots": {"totalCount": 23}}, "hasNext": True}
    assert later[-1]["hasNext"] is False
    [entry] = [entry for part in later for entry in part.get("incremental", ())]
    assert entry["path"] == ["touristSpots"] and entry["label"] == "near"
    assert "errors" not in entry
    # The lookahead's prefetch skipped the deferred fragment; the answer is the same.
    assert merged([first, *later]) == whole["data"]
    assert any(
        spot["node"]["nearbyHealthFacilities"] for spot in whole["data"]["touristSpots"]["edges"]
    )


async def test_streamed_items_come_at_their_index(hub: HubFactory, settings: Settings) -> None:
    async with hub(settings) as client:
        streamed = parts(await post(client, STREAMED))
        whole = (await post(client, STREAMED.replace(" @stream(initialCount: 1)", ""))).json()
    first, *later = streamed
    assert len(first["data"]["touristSpots"]["edges"]) == 1 and first["hasNext"] is True
    assert later[0]["incremental"][0]["path"] == ["touristSpots", "edges", 1]
    assert later[-1]["hasNext"] is False
    assert merged(streamed) == whole["data"]


@pytest.mark.parametrize(
    "accept",
    [
        "multipart/mixed",
        'multipart/mixed; deferSpec="20220824"',
        "application/json;q=0.9, multipart/mixed;deferSpec=20220824",
    ],
)
async def test_multipart_is_taken_with_or_without_the_defer_spec(
    hub: HubFactory, settings: Settings, accept: str
) -> None:
    async with hub(settings) as client:
        answered = parts(await post(client, DEFERRED, accept))
    assert answered[0]["data"] == {"touristSpots": {"totalCount": 23}}


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/json", "application/json"),
        ("application/graphql-response+json", "application/graphql-response+json"),
        ("multipart/mixed;deferSpec=20200101", "application/json"),  # another format
        ("multipart/mixed;q=0, application/json", "application/json"),
    ],
)
async def test_a_client_that_cannot_read_parts_is_refused_and_told_what_to_send(
    hub: HubFactory, settings: Settings, accept: str, media: str
) -> None:
    async with hub(settings) as client:
        deferred = await post(client, DEFERRED, accept)
        streamed = await post(client, STREAMED, accept)
    assert deferred.status_code == streamed.status_code == 406
    assert deferred.headers["content-type"] == media
    error = refusal(deferred)
    assert error["message"] == (
        "this operation uses @defer, which needs `Accept: multipart/mixed;deferSpec=20220824`"
    )
    assert error["extensions"]["code"] == "INCREMENTAL_DELIVERY_NOT_ACCEPTED"
    assert "@stream" in refusal(streamed)["message"]


async def test_a_batch_cannot_defer(hub: HubFactory, settings: Settings) -> None:
    batch = [{"query": "{ __typename }"}, {"query": DEFERRED}]
    async with hub(settings) as client:
        response = await client.post("/graphql", json=batch, headers={"accept": MULTIPART})
    assert response.status_code == 400
    assert refusal(response)["extensions"]["code"] == "INCREMENTAL_DELIVERY_IN_BATCH"


async def test_a_defer_turned_off_or_in_another_operation_asks_nothing_of_the_client(
    hub: HubFactory, settings: Settings
) -> None:
    off = "query ($now: Boolean = true) { touristSpots(first: 1) { totalCount ... @defer(if: $now) { edges { cursor } } } }"  # noqa: E501
    other = f"query Plain {{ emergencyContacts {{ number }} }}\n{DEFERRED}"
    async with hub(settings) as client:
        written = await post(
            client, DEFERRED.replace("@defer(", "@defer(if: false, "), "application/json"
        )
        given = await post(client, off, "application/json", variables={"now": False})
        chosen = await post(client, other, "application/json", operationName="Plain")
        default = await post(client, off, "application/json")
    for response in (written, given, chosen):
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        assert response.headers["content-type"] == "application/json"
    assert default.status_code == 406  # the variable's default defers


async def test_without_defer_a_multipart_client_gets_json_and_the_cache(
    hub: HubFactory, settings: Settings
) -> None:
    async with hub(settings) as client:
        answers = [await post(client, WHOLE) for _ in range(2)]
    assert [a.headers["content-type"] for a in answers] == ["application/json"] * 2
    assert [a.headers["x-kotahub-cache"] for a in answers] == ["miss", "hit"]


async def test_a_failing_source_errors_only_its_deferred_part(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    sources = [tourism_source(demo_server.url), health_source(closed)]
    async with hub(hub_settings(sources=sources)) as client:
        response = await post(client, DEFERRED)
        metrics = samples((await client.get("/metrics")).text)
    first, *later = parts(response)
    assert first == {"data": {"touristSpots": {"totalCount": 23}}, "hasNext": True}
    [entry] = [entry for part in later for entry in part.get("incremental", ())]
    edges = entry["data"]["edges"]
    assert [spot["node"]["nearbyHealthFacilities"] for spot in edges] == [[], [], []]
    codes = {error["extensions"]["code"] for error in entry["errors"]}
    assert codes == {"UPSTREAM_UNAVAILABLE"}, entry["errors"]
    assert all(error["path"][:2] == ["touristSpots", "edges"] for error in entry["errors"])
    counted = {
        dict(labels)["outcome"]: value
        for (name, labels), value in metrics.items()
        if name == "kotahub_graphql_requests_total" and dict(labels)["operation"] == "Spots"
    }
    assert counted == {"errors": 1}  # counted once, when the last part went out


async def test_a_mutation_defers_part_of_its_payload_and_runs_once(
    hub: HubFactory, settings: Settings
) -> None:
    mutation = """mutation ($input: SubmitComplaintInput!) { submitComplaint(input: $input) {
      trackingId ... @defer { complaint { trackingId deliveryStatus } } } }"""
    complaint = road_complaint(reporter={**REPORTER, "email": f"{uuid.uuid4().hex}@example.com"})
    async with hub(settings) as client:
        response = await post(client, mutation, variables={"input": complaint})
    first, *later = parts(response)
    tracking = first["data"]["submitComplaint"]["trackingId"]
    [entry] = [entry for part in later for entry in part.get("incremental", ())]
    assert entry["path"] == ["submitComplaint"]
    assert entry["data"]["complaint"]["trackingId"] == tracking


@pytest.fixture
def slow_health() -> Iterator[ThreadedServer]:
    """The reference upstreams, each answer 1.5 s late."""
    server = ThreadedServer(create_demo_app(latency_ms=1500))
    server.start()
    yield server
    server.stop()


async def test_over_http_a_slow_source_delays_only_its_deferred_part(
    redis_url: str, demo_server: ThreadedServer, slow_health: ThreadedServer, tmp_path: Path
) -> None:
    sources = [tourism_source(demo_server.url), health_source(slow_health.url)]
    prefix = f"defer-{uuid.uuid4().hex[:8]}"
    with hub_processes(1, sources, tmp_path, redis_url=redis_url, cache_prefix=prefix) as (url,):
        async with httpx.AsyncClient(timeout=30) as client:
            started = time.monotonic()
            payload = {"query": DEFERRED}
            headers = {"accept": MULTIPART}
            async with client.stream(
                "POST", f"{url}/graphql", json=payload, headers=headers
            ) as response:
                timed = await timed_parts(response, started)
    (first_at, first), *later = timed
    assert first["data"] == {"touristSpots": {"totalCount": 23}}
    assert first_at < 1.0, timed  # the count did not wait for the slow source
    assert later[-1][0] >= 1.4 and later[-1][1]["hasNext"] is False
    entries = [entry for _, part in later for entry in part.get("incremental", ())]
    assert any(spot["node"]["nearbyHealthFacilities"] for spot in entries[0]["data"]["edges"])
