"""Variables an operation does not declare are refused at the door and never key a response.

No check reads them and no resolver sees them, but each new set of them made a new key in
the whole-response cache for the same answer: a client could fill Redis with copies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from graphql import parse
from redis.asyncio import Redis

from kotahub.hub.graphql.response_key import operation_of, response_key
from kotahub.hub.http.operation import operations_in
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import persisted
from tests.support.servers import ThreadedServer
from tests.support.upstream_calls import UPSTREAMS

SPOTS = "query Spots($first: Int) { touristSpots(first: $first) { edges { node { name } } } }"
# What a careless client might leave in its variables: never to be echoed.
SECRET_NAME, SECRET_VALUE = "reporterPhone", "+62 812 4444 9090"
ROUTES = ("post", "get", "batch", "by hash")


async def send(client: httpx.AsyncClient, route: str, variables: dict[str, Any]) -> httpx.Response:
    payload: dict[str, Any] = {"query": SPOTS, "variables": variables}
    if route == "get":
        return await client.get(
            "/graphql", params={"query": SPOTS, "variables": json.dumps(variables)}
        )
    if route == "batch":
        return await client.post("/graphql", json=[{"query": "{ __typename }"}, payload])
    if route == "by hash":
        payload = {"extensions": persisted(SPOTS), "variables": variables}
    return await client.post("/graphql", json=payload)


async def response_keys(redis_url: str, settings: Settings) -> int:
    async with Redis.from_url(redis_url) as redis:
        return len(await redis.keys(f"{settings.cache_prefix}:resp:*"))


@pytest.mark.parametrize("route", ROUTES)
async def test_a_variable_the_operation_does_not_declare_is_refused_unquoted(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    demo_server: ThreadedServer,
    redis_url: str,
    route: str,
) -> None:
    settings = hub_settings()
    async with hub(settings) as client:
        if route == "by hash":  # kept by a first request that declares what it sends
            extensions = persisted(SPOTS)
            sent = {"query": SPOTS, "variables": {"first": 1}, "extensions": extensions}
            assert "errors" not in (await client.post("/graphql", json=sent)).json()
        logs = [getattr(demo_server.app.state, n).state.request_log for n in UPSTREAMS]
        before = [log.count() for log in logs]
        kept = await response_keys(redis_url, settings)
        answers = [
            await send(client, route, {"first": 2, SECRET_NAME: f"{SECRET_VALUE} #{n}"})
            for n in range(5)
        ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert set(body) == {"errors"} and len(body["errors"]) == 1, body
        error = body["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT"}
        assert "1 name(s) the operation does not declare" in error["message"]
        assert "($first)" in error["message"]
        assert SECRET_NAME not in answer.text and "812" not in answer.text
    assert [log.count() for log in logs] == before
    assert await response_keys(redis_url, settings) == kept


async def test_an_operation_without_variables_refuses_any(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    payload = {"query": "{ touristSpots { totalCount } }", "variables": {"x": 1}}
    async with hub(hub_settings()) as client:
        answer = await client.post("/graphql", json=payload)
    error = answer.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert error["message"].endswith("send only the variables it declares (none)")


def test_the_response_key_reads_only_declared_variables() -> None:
    document = parse(SPOTS)
    [spots] = operations_in(document)
    operation = operation_of(SPOTS, document, spots)

    def key(variables: dict[str, Any]) -> str:
        return response_key("p", (1,), operation, None, variables, "id")

    assert key({"first": 2}) == key({"first": 2, SECRET_NAME: SECRET_VALUE})
    assert key({"first": 2}) != key({"first": 3})
