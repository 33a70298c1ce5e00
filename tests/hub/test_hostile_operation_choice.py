"""A document of several operations runs only the operation the door measured, on every route.

GraphQL runs the operation ``operationName`` names, or the document's only one. A document
that leaves it in doubt is refused before anything runs (the spec's GetOperation), so that no
operation can hide behind a harmless sibling from the query limits, from introspection being
off, or from the submission rate limit: over POST, GET, in a batch or when registered as a
persisted query.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.complaints import SUBMIT, road_complaint
from tests.support.graphql import persisted
from tests.support.hostile_documents import behind_a_decoy, nearby_chain, repeated_fields
from tests.support.upstream_calls import UPSTREAMS, UpstreamCount

GRAPHQL_RESPONSE = "application/graphql-response+json"
COSTLY = """{ touristSpots(first: 100) { edges { node {
  nearbyHealthFacilities(first: 100) { id location { lat } } } } } }"""
ALIASES = (
    "{ " + " ".join(f"a{n}: touristSpots(first: 1) {{ totalCount }}" for n in range(31)) + " }"
)
ROUTES = ("post", "get", "batch", "registration")


@dataclass(frozen=True)
class Hidden:
    """An operation the door must not let run: it breaks ``limit`` (None: it submits a
    complaint, one more than the submission limit allows when sent twice)."""

    operation: str
    limit: str | None
    settings: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)


HIDDEN = {
    "cost": Hidden(COSTLY, "max_cost"),
    "depth": Hidden(nearby_chain(5), "max_depth"),
    "aliases": Hidden(ALIASES, "max_aliases"),
    "fields": Hidden(repeated_fields(100), "max_fields"),
    "introspection off": Hidden(
        "{ __schema { types { name } } }", "introspection", {"introspection": False}
    ),
    "submission limit": Hidden(
        SUBMIT,
        None,
        {"rate_limits": {"submit_anonymous": "1/minute"}},
        {"input": road_complaint()},
    ),
}
CASES = [(name, route) for name in HIDDEN for route in ROUTES]


def payload_of(case: Hidden, name: str | None) -> dict[str, Any]:
    sent: dict[str, Any] = {"query": behind_a_decoy(case.operation), "variables": case.variables}
    return sent if name is None else {**sent, "operationName": name}


async def send(client: httpx.AsyncClient, route: str, payload: dict[str, Any]) -> httpx.Response:
    """``payload`` over ``route``: alone by POST or GET, second in a batch, or with its hash
    as a client registers an automatic persisted query."""
    if route == "get":
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
        return await client.get("/graphql", params=params)
    if route == "batch":
        return await client.post("/graphql", json=[{"query": "{ __typename }"}, payload])
    if route == "registration":
        payload = {**payload, "extensions": persisted(payload["query"])}
    return await client.post("/graphql", json=payload)


def error_of(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    """The one error of a response that holds nothing else."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


async def queued(redis_url: str, settings: Settings) -> int:
    async with Redis.from_url(redis_url) as redis:
        return int(await redis.xlen(f"{settings.cache_prefix}:outbox"))


@pytest.mark.parametrize(("name", "route"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
async def test_an_operation_behind_a_decoy_without_operation_name_is_refused_before_it_runs(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    upstream_requests: UpstreamCount,
    redis_url: str,
    name: str,
    route: str,
) -> None:
    case = HIDDEN[name]
    settings = hub_settings(delivery_worker=False, **case.settings)
    async with hub(settings) as client:
        answers = [await send(client, route, payload_of(case, None)) for _ in range(2)]
        by_hash = await client.post("/graphql", json={"extensions": persisted(case.operation)})
    for answer in answers:
        error = error_of(answer)
        assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}, error
        assert "2 operations and no operationName says which to run" in error["message"]
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)
    assert await queued(redis_url, settings) == 0
    # Not kept as a persisted query either.
    assert error_of(by_hash)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(("name", "route"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
async def test_the_operation_named_is_the_one_measured_on_every_route(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    upstream_requests: UpstreamCount,
    name: str,
    route: str,
) -> None:
    case = HIDDEN[name]
    async with hub(hub_settings(delivery_worker=False, **case.settings)) as client:
        answers = [await send(client, route, payload_of(case, "Hostile")) for _ in range(2)]
    if case.limit is not None:
        for answer in answers:
            extensions = error_of(answer)["extensions"]
            assert extensions["code"] == "QUERY_LIMIT_EXCEEDED", extensions
            assert extensions["limit"] == case.limit, extensions
        assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)
    elif route == "get":
        assert [error_of(a, 405)["extensions"]["code"] for a in answers] == [
            "METHOD_NOT_ALLOWED"
        ] * 2
    else:
        assert answers[0].status_code == 200, answers[0].text
        first = answers[0].json()
        submitted = (first[-1] if route == "batch" else first)["data"]["submitComplaint"]
        assert submitted["trackingId"], first
        assert error_of(answers[1], 429)["extensions"]["code"] == "RATE_LIMITED"


async def test_naming_the_harmless_operation_runs_it_alone(
    hub: HubFactory, hub_settings: Callable[..., Settings], upstream_requests: UpstreamCount
) -> None:
    async with hub(hub_settings()) as client:
        answer = await send(client, "post", payload_of(HIDDEN["cost"], "Decoy"))
    assert answer.status_code == 200
    assert answer.json() == {"data": {"__typename": "Query"}}
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)


DOUBTFUL = {
    "a name no operation has": ({"operationName": "Missing"}, "matches no operation"),
    "two operations of one name": (
        {"query": f"query Hostile {COSTLY}\nquery Hostile {{ __typename }}"},
        "2 operations of the name operationName gives",
    ),
    "fragments only": (
        {"query": "fragment F on Query { __typename }", "operationName": None},
        "holds no operation",
    ),
    "two anonymous operations": (
        {"query": f"{COSTLY}\n{{ __typename }}", "operationName": None},
        "2 operations and no operationName",
    ),
}


@pytest.mark.parametrize(("changes", "message"), DOUBTFUL.values(), ids=DOUBTFUL.keys())
async def test_a_request_that_leaves_its_operation_in_doubt_is_refused(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    upstream_requests: UpstreamCount,
    changes: dict[str, Any],
    message: str,
) -> None:
    payload = {"query": COSTLY, "operationName": "Hostile", **changes}
    async with hub(hub_settings()) as client:
        as_json = await client.post("/graphql", json=payload)
        as_graphql = await client.post(
            "/graphql", json=payload, headers={"accept": GRAPHQL_RESPONSE}
        )
    error = error_of(as_json)
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert message in error["message"], error
    assert error_of(as_graphql, 400) == error  # nothing ran: no data, and a client error
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)
