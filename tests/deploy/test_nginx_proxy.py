"""deploy/nginx.conf, run by a real nginx in front of three real hub processes."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import complaints_source, tourism_source
from tests.support.hub_process import HubProcess, hub_replicas
from tests.support.live import PROTOCOL
from tests.support.nginx import Proxy, nginx_binary, nginx_proxy
from tests.support.servers import ThreadedServer

pytestmark = pytest.mark.system

QUERY = {"query": "{ emergencyContacts { number } }"}
LIMIT = 6  # operations a minute for each anonymous client


@dataclass
class Deployment:
    proxy: Proxy
    hubs: list[HubProcess]


@pytest.fixture
def deployment(redis_url: str, demo_server: ThreadedServer, tmp_path: Path) -> Iterator[Deployment]:
    """Three hubs on one Redis behind nginx, trusting it (on loopback) for client addresses."""
    binary = nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (apt-get install nginx); the proxy is not tested")
    settings = {
        "redis_url": redis_url,
        "cache_prefix": f"proxy-{uuid.uuid4().hex[:8]}",
        "rate_limits": json.dumps({"anonymous": f"{LIMIT}/minute"}),
        "trusted_proxies": json.dumps(["127.0.0.1"]),  # where nginx connects from
        "log_level": "INFO",
        "log_format": "json",
    }
    sources = [tourism_source(demo_server.url), complaints_source(demo_server.url)]
    with hub_replicas(3, sources, tmp_path, **settings) as hubs:
        addresses = [hub.url.removeprefix("http://") for hub in hubs]
        (tmp_path / "nginx").mkdir()
        with nginx_proxy(binary, addresses, tmp_path / "nginx") as proxy:
            yield Deployment(proxy, hubs)


def client_at(address: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any of 127.0.0.0/8 on loopback)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def request_ids(log: Path) -> set[str]:
    """The request ids of the GraphQL requests a hub logged."""
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return {e["request_id"] for e in events if e.get("event") == "graphql_request"}


def proxy_logged(proxy: Proxy, request_id: str) -> list[dict[str, object]]:
    """The proxy's access-log entries of ``request_id``, once it has written one: nginx
    writes the line as the request ends, which can be just after the client has its answer."""
    deadline = time.monotonic() + 15
    while True:
        lines = proxy.access_log.read_text().splitlines()
        ours = [entry for entry in map(json.loads, lines) if entry["request_id"] == request_id]
        if ours or time.monotonic() > deadline:
            return ours
        time.sleep(0.05)


def served_by(hubs: list[HubProcess], ids: set[str]) -> list[set[str]]:
    """Which of ``ids`` each hub served, once every one of them is in some hub's log."""
    deadline = time.monotonic() + 15
    while True:  # a hub writes its log line just after the answer
        seen = [request_ids(hub.log) & ids for hub in hubs]
        if set().union(*seen) == ids:
            return seen
        assert time.monotonic() < deadline, f"never logged: {ids - set().union(*seen)}"
        time.sleep(0.05)


def test_requests_are_spread_over_every_replica_with_their_request_ids(
    deployment: Deployment,
) -> None:
    ids = {f"spread-{n}-{uuid.uuid4().hex[:8]}" for n in range(2 * len(deployment.hubs))}
    with client_at("127.0.0.4") as client:
        for request_id in sorted(ids):
            response = client.post(
                f"{deployment.proxy.url}/graphql", json=QUERY, headers={"x-request-id": request_id}
            )
            assert response.status_code == 200, response.text
            assert response.headers["x-request-id"] == request_id
    seen = served_by(deployment.hubs, ids)
    assert all(seen), f"some replica got nothing: {[len(s) for s in seen]}"
    assert sum(len(s) for s in seen) == len(ids)  # each request reached exactly one


def test_a_request_without_an_id_carries_the_proxys_to_the_hub(deployment: Deployment) -> None:
    with client_at("127.0.0.5") as client:
        response = client.post(f"{deployment.proxy.url}/graphql", json=QUERY)
    request_id = response.headers["x-request-id"]
    assert any(served_by(deployment.hubs, {request_id}))
    ours = proxy_logged(deployment.proxy, request_id)
    assert [(entry["client"], entry["status"]) for entry in ours] == [("127.0.0.5", 200)]


def test_a_stopped_replica_is_routed_around_and_none_left_is_a_503(
    deployment: Deployment,
) -> None:
    stopped, *running = deployment.hubs
    stopped.stop()
    ids = {f"around-{n}-{uuid.uuid4().hex[:8]}" for n in range(LIMIT)}
    url = f"{deployment.proxy.url}/graphql"
    with client_at("127.0.0.6") as client:
        statuses = [
            client.post(url, json=QUERY, headers={"x-request-id": i}).status_code
            for i in sorted(ids)
        ]
        assert statuses == [200] * LIMIT
        assert all(served_by(running, ids))  # every request reached a running one, each some
        for hub in running:
            hub.stop()
        none_left = client.post(url, json=QUERY)
    assert none_left.status_code == 503
    assert none_left.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert none_left.headers["retry-after"] == "5"


def test_each_client_is_counted_by_its_own_address_not_the_proxys(
    deployment: Deployment,
) -> None:
    url = f"{deployment.proxy.url}/graphql"
    with client_at("127.0.0.2") as first, client_at("127.0.0.3") as second:
        statuses = [first.post(url, json=QUERY).status_code for _ in range(LIMIT)]
        # A forged X-Forwarded-For is kept, but the address nginx saw is the one counted.
        forged = first.post(url, json=QUERY, headers={"x-forwarded-for": "198.51.100.7"})
        other = second.post(url, json=QUERY)
    assert statuses == [200] * LIMIT
    assert forged.status_code == 429
    assert forged.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert other.status_code == 200


def test_a_body_over_max_body_bytes_is_refused_at_the_door_like_the_hub_would(
    deployment: Deployment,
) -> None:
    too_big = b'{"query": "{ emergencyContacts { number } }", "pad": "' + b"x" * 1_048_576 + b'"}'
    with client_at("127.0.0.7") as client:
        response = client.post(
            f"{deployment.proxy.url}/graphql",
            content=too_big,
            headers={"content-type": "application/json", "x-request-id": "too-big-0001"},
        )
    assert response.status_code == 413
    assert response.headers["x-request-id"] == "too-big-0001"
    error = response.json()["errors"][0]
    assert error["extensions"] == {
        "code": "PAYLOAD_TOO_LARGE",
        "limit": "max_body_bytes",
        "maximum": 1_048_576,
    }


def test_metrics_stay_inside_while_health_is_passed_through(deployment: Deployment) -> None:
    with client_at("127.0.0.8") as client:
        assert client.get(f"{deployment.proxy.url}/metrics").status_code == 404
        assert client.get(f"{deployment.proxy.url}/healthz").json() == {"status": "ok"}


FOLLOW_OPEN = {
    "query": 'subscription { complaintUpdated(trackingId: "BPN-000064") { trackingId status } }'
}


async def test_a_websocket_subscription_passes_through_the_proxy(deployment: Deployment) -> None:
    url = deployment.proxy.url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await socket.recv()) == {"type": "connection_ack"}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": FOLLOW_OPEN}))
        first = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert first["payload"]["data"]["complaintUpdated"]["trackingId"] == "BPN-000064"


async def test_sse_events_pass_through_the_proxy_as_they_come(deployment: Deployment) -> None:
    headers = {"Accept": "text/event-stream"}
    async with (
        httpx.AsyncClient(base_url=deployment.proxy.url, timeout=10) as client,
        client.stream("POST", "/graphql", json=FOLLOW_OPEN, headers=headers) as sse,
    ):
        assert sse.headers["content-type"].startswith("text/event-stream")
        # The first event arrives while the stream stays open: nothing holds it back.
        first = await asyncio.wait_for(anext(sse.aiter_text()), 5)
    assert first.startswith("event: next")
    assert "BPN-000064" in first
