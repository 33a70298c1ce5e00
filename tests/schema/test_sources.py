"""``sources``: every source's circuit state and last success for anyone; the failure details
for admins only."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from kotahub.access import Principal, Role
from kotahub.adapters.catalog import Catalog
from kotahub.errors import SourceUnavailable
from kotahub.hub.settings import Settings
from kotahub.schema.build import build_schema
from kotahub.schema.context import GraphQLContext
from kotahub.upstream.client import SourceClient
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.source_status import SourceStatusRegistry
from tests.conftest import HubFactory, tourism_source
from tests.support.graphql import gql
from tests.support.ports import free_port
from tests.support.request_scope import request_scope

PUBLIC = "{ sources { name kind state lastSuccessAt } }"
EVERYTHING = """{ sources { name kind state lastSuccessAt
  lastFailureAt lastError consecutiveFailures baseUrl } }"""
ADMIN_ONLY = ("lastFailureAt", "lastError", "consecutiveFailures", "baseUrl")


async def test_anyone_sees_each_source_its_state_and_last_success(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        before = await gql(client, PUBLIC)
        await gql(client, "{ touristSpots(first: 1) { totalCount } }")
        after = await gql(client, PUBLIC)
    assert "errors" not in before
    assert before["data"]["sources"] == [
        {"name": "tourism", "kind": "geojson", "state": "CLOSED", "lastSuccessAt": None},
        {"name": "health", "kind": "fhir-r4", "state": "CLOSED", "lastSuccessAt": None},
        {"name": "complaints", "kind": "open311", "state": "CLOSED", "lastSuccessAt": None},
        {"name": "dimensions", "kind": "ckan", "state": "CLOSED", "lastSuccessAt": None},
    ]
    tourism = after["data"]["sources"][0]
    assert datetime.fromisoformat(tourism["lastSuccessAt"]) <= datetime.now(UTC)


async def test_the_details_are_refused_to_anyone_but_an_admin(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, EVERYTHING)
    sources = body["data"]["sources"]
    assert [source["name"] for source in sources] == [
        "tourism",
        "health",
        "complaints",
        "dimensions",
    ]
    assert all(source[field] is None for source in sources for field in ADMIN_ONLY)
    assert all(source["state"] == "CLOSED" for source in sources)
    refused = {(tuple(error["path"][2:]), error["extensions"]["code"]) for error in body["errors"]}
    assert refused == {((field,), "FORBIDDEN") for field in ADMIN_ONLY}
    message = body["errors"][0]["message"]
    assert message.endswith(
        "needs an API key with the admin scope, sent as 'X-API-Key: <key>'; "
        "this request has the anonymous scope"
    )


async def test_an_open_breaker_shows(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    gone = tourism_source(f"http://127.0.0.1:{free_port()}", retries=0, breaker_failures=1)
    async with hub(hub_settings(sources=[gone])) as client:
        failed = await gql(client, "{ touristSpots(first: 1) { totalCount } }")
        body = await gql(client, "{ sources { name state } }")
    assert failed["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert body["data"]["sources"] == [{"name": "tourism", "state": "OPEN"}]


async def test_an_answer_with_sources_is_never_kept_whole(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    spots = "{ touristSpots(first: 1) { totalCount } }"
    with_sources = "{ sources { name state } touristSpots(first: 1) { totalCount } }"
    async with hub(hub_settings()) as client:
        kept = [await client.post("/graphql", json={"query": spots}) for _ in range(2)]
        live = [await client.post("/graphql", json={"query": with_sources}) for _ in range(2)]
    assert [response.headers["x-kotahub-cache"] for response in kept] == ["miss", "hit"]
    assert [response.headers["x-kotahub-cache"] for response in live] == ["miss", "miss"]


async def test_an_admin_sees_the_last_failure_without_any_secret(
    source_client: SourceClient,
) -> None:
    port = free_port()
    source = SourceSettings(
        name="kota",
        kind="geojson",
        base_url=f"http://ops:hunter2@127.0.0.1:{port}/items?api_key=s3cr3t&city=bpp",
        retries=0,
    )
    with pytest.raises(SourceUnavailable):
        await source_client.session(source).get_json("")
    result = await execute(EVERYTHING, source_client.statuses, Principal("ops", Role.ADMIN))
    assert result["errors"] is None
    [kota] = result["data"]["sources"]
    assert kota["baseUrl"] == f"http://127.0.0.1:{port}/items?api_key=***&city=bpp"
    assert kota["lastError"].startswith(
        "UPSTREAM_UNAVAILABLE: GET /items?api_key=***&city=bpp failed: ConnectError"
    )
    assert kota["consecutiveFailures"] == 1 and kota["state"] == "CLOSED"
    assert kota["lastSuccessAt"] is None
    assert datetime.fromisoformat(kota["lastFailureAt"]) <= datetime.now(UTC)
    shown = json.dumps(result)
    assert "hunter2" not in shown and "s3cr3t" not in shown and "ops:" not in shown


async def execute(
    query: str, statuses: SourceStatusRegistry, principal: Principal
) -> dict[str, Any]:
    """The query run on the hub's schema with a scope of the test's making."""
    scope = request_scope(Catalog(()), principal=principal, source_statuses=statuses)
    result = await build_schema().execute(query, context_value=GraphQLContext(scope=scope))
    errors = [error.formatted for error in result.errors] if result.errors else None
    return {"data": result.data, "errors": errors}
