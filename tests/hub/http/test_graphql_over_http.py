"""GraphQL over HTTP: methods, media types, CORS, request ids and the client's real address."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from redis.asyncio import Redis

from kotahub.errors import ConfigError
from kotahub.hub.pages.playground import CONTENT_SECURITY_POLICY
from kotahub.hub.settings import Settings, load_settings
from kotahub.schema.node import GlobalId
from tests.conftest import HubFactory, tourism_source
from tests.support.api_keys import ADMIN, PARTNER, api_keys
from tests.support.complaints import SUBMIT, road_complaint
from tests.support.graphql import gql
from tests.support.hub_process import hub_processes
from tests.support.ports import free_port
from tests.support.servers import ThreadedServer

QUERY = "{ emergencyContacts { number } }"
INVALIDATE = 'mutation { invalidateCache(source: "tourism") { generation } }'
GRAPHQL_RESPONSE = "application/graphql-response+json"
PORTAL = "https://portal.balikpapan.go.id"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def settings(hub_settings: Callable[..., Settings]) -> Settings:
    return hub_settings(api_keys=api_keys(), delivery_worker=False)


async def queued(redis_url: str, settings: Settings) -> int:
    async with Redis.from_url(redis_url) as redis:
        return int(await redis.xlen(f"{settings.cache_prefix}:outbox"))


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    code: str = error["extensions"]["code"]
    return code


@pytest.mark.parametrize(
    "params",
    [
        {"query": INVALIDATE},
        {
            "query": f"query Q {{ __typename }}\n{INVALIDATE.replace('mutation', 'mutation M')}",
            "operationName": "M",
        },
        {"query": SUBMIT, "variables": json.dumps({"input": road_complaint()})},
    ],
    ids=["invalidate", "chosen-by-name", "submit"],
)
async def test_a_mutation_over_get_is_refused_and_nothing_runs(
    hub: HubFactory, settings: Settings, redis_url: str, params: dict[str, str]
) -> None:
    async with hub(settings) as client:
        response = await client.get("/graphql", params=params, headers=ADMIN)
        after = await gql(client, INVALIDATE, headers=ADMIN)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert error_code(response) == "METHOD_NOT_ALLOWED"
    assert response.json()["errors"][0]["message"] == (
        "a mutation cannot be sent with GET; use POST"
    )
    assert after["data"]["invalidateCache"]["generation"] == 1  # the GET did not advance it
    assert await queued(redis_url, settings) == 0


async def test_a_query_over_get_runs(hub: HubFactory, settings: Settings) -> None:
    chosen = f"query Q {{ emergencyContacts {{ number }} }}\n{INVALIDATE}".replace(
        "mutation", "mutation M"
    )
    async with hub(settings) as client:
        plain = await client.get("/graphql", params={"query": QUERY})
        by_name = await client.get("/graphql", params={"query": chosen, "operationName": "Q"})
    assert plain.status_code == 200 and plain.json()["data"]["emergencyContacts"]
    assert by_name.status_code == 200 and by_name.json() == plain.json()


async def test_a_get_whose_parameter_names_are_percent_encoded_still_passes_the_gate(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    deep = "{ touristSpots { edges { node { nearbyHealthFacilities { name } } } } }"
    unknown = json.dumps({"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}})
    async with hub(hub_settings(max_depth=3)) as client:
        too_deep = await client.get(f"/graphql?%71uery={quote(deep)}")
        mutation = await client.get(f"/graphql?%71uery={quote(INVALIDATE)}")
        hashed = await client.get(f"/graphql?%65xtensions={quote(unknown)}")
    assert too_deep.status_code == 200 and error_code(too_deep) == "QUERY_LIMIT_EXCEEDED"
    assert mutation.status_code == 405 and error_code(mutation) == "METHOD_NOT_ALLOWED"
    assert error_code(hashed) == "PERSISTED_QUERY_NOT_FOUND"


def _form(payload: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"query": payload["query"], "variables": json.dumps(payload["variables"])}}


def _multipart(payload: dict[str, Any]) -> dict[str, Any]:
    return {"files": {"operations": (None, json.dumps(payload))}}


def _text(payload: dict[str, Any]) -> dict[str, Any]:
    return {"content": json.dumps(payload), "headers": {"content-type": "text/plain"}}


def _none(payload: dict[str, Any]) -> dict[str, Any]:
    return {"content": json.dumps(payload)}


@pytest.mark.parametrize(
    ("encode", "shown"),
    [
        (_text, "text/plain"),
        (_form, "application/x-www-form-urlencoded"),
        (_multipart, "multipart/form-data"),
        (_none, "none"),
    ],
    ids=["text", "form", "multipart", "no-content-type"],
)
async def test_a_post_that_is_not_json_is_refused_so_forms_cannot_post_across_sites(
    hub: HubFactory,
    settings: Settings,
    redis_url: str,
    encode: Callable[[dict[str, Any]], dict[str, Any]],
    shown: str,
) -> None:
    payload = {"query": SUBMIT, "variables": {"input": road_complaint()}}
    async with hub(settings) as client:
        response = await client.post("/graphql", **encode(payload))
    assert response.status_code == 415
    assert error_code(response) == "UNSUPPORTED_MEDIA_TYPE"
    assert response.json()["errors"][0]["message"] == (
        f"the request body is {shown}; expected Content-Type: application/json"
    )
    assert await queued(redis_url, settings) == 0


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON"],
)
async def test_json_posts_are_accepted(
    hub: HubFactory, settings: Settings, content_type: str
) -> None:
    async with hub(settings) as client:
        response = await client.post(
            "/graphql",
            content=json.dumps({"query": QUERY}),
            headers={"content-type": content_type},
        )
    assert response.status_code == 200 and response.json()["data"]["emergencyContacts"]


async def test_graphql_response_json_is_used_when_the_client_accepts_it(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    gone = tourism_source(f"http://127.0.0.1:{free_port()}", retries=0)
    accept = {"accept": GRAPHQL_RESPONSE}
    spot = GlobalId("TouristSpot", "tourism", "1").encode()
    partial = f'{{ emergencyContacts {{ number }} touristSpot(id: "{spot}") {{ name }} }}'
    async with hub(hub_settings(sources=[gone])) as client:
        ok = await client.post("/graphql", json={"query": QUERY}, headers=accept)
        invalid = await client.post("/graphql", json={"query": "{ nosuchField }"}, headers=accept)
        unparsed = await client.post("/graphql", json={"query": "{ oops"}, headers=accept)
        field_error = await client.post("/graphql", json={"query": partial}, headers=accept)
        over_limit = await client.post(
            "/graphql",
            json={"query": "{ touristSpots(first: 1000) { totalCount } }"},
            headers=accept,
        )
    for response in (ok, invalid, unparsed, field_error, over_limit):
        assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert ok.status_code == 200 and ok.json()["data"]["emergencyContacts"]
    assert invalid.status_code == 400 and error_code(invalid) == "GRAPHQL_VALIDATION_FAILED"
    assert unparsed.status_code == 400 and error_code(unparsed) == "GRAPHQL_PARSE_FAILED"
    assert over_limit.status_code == 400 and error_code(over_limit) == "QUERY_LIMIT_EXCEEDED"
    assert field_error.status_code == 200
    body = field_error.json()
    assert body["data"]["emergencyContacts"] and body["data"]["touristSpot"] is None
    (error,) = body["errors"]
    assert error["path"] == ["touristSpot"]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"


@pytest.mark.parametrize(
    "accept",
    [None, "application/json", "*/*", f"application/json, {GRAPHQL_RESPONSE};q=0.5"],
    ids=["none", "json", "any", "json-preferred"],
)
async def test_application_json_is_the_default_and_keeps_status_200(
    hub: HubFactory, settings: Settings, accept: str | None
) -> None:
    headers = {"accept": accept} if accept else {}
    async with hub(settings) as client:
        ok = await client.post("/graphql", json={"query": QUERY}, headers=headers)
        invalid = await client.post("/graphql", json={"query": "{ nosuchField }"}, headers=headers)
    assert ok.headers["content-type"] == "application/json"
    assert invalid.headers["content-type"] == "application/json"
    assert invalid.status_code == 200 and invalid.json()["data"] is None


async def test_cors_allows_any_origin_by_default_but_never_with_credentials(
    hub: HubFactory, settings: Settings
) -> None:
    origin = {"origin": "https://apa.saja.example"}
    preflight = {
        **origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-api-key, content-type",
    }
    async with hub(settings) as client:
        simple = await client.post("/graphql", json={"query": QUERY}, headers=origin)
        with_cookie = await client.post(
            "/graphql", json={"query": QUERY}, headers={**origin, "cookie": "sesi=1"}
        )
        asked = await client.options("/graphql", headers=preflight)
    assert simple.headers["access-control-allow-origin"] == "*"
    assert "x-request-id" in simple.headers["access-control-expose-headers"]
    assert asked.status_code == 200
    allowed = {h.strip() for h in asked.headers["access-control-allow-headers"].split(",")}
    assert {"x-api-key", "content-type", "authorization"} <= allowed
    assert "POST" in asked.headers["access-control-allow-methods"]
    for response in (simple, with_cookie, asked):
        assert "access-control-allow-credentials" not in response.headers


async def test_cors_with_configured_origins_allows_them_with_credentials_and_no_others(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    settings = hub_settings(cors_origins=[PORTAL, "http://localhost:5173"])
    preflight = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-api-key, content-type",
    }
    stranger = {"origin": "https://portal.balikpapan.go.id.evil.example"}
    async with hub(settings) as client:
        portal = await client.post("/graphql", json={"query": QUERY}, headers={"origin": PORTAL})
        other = await client.post("/graphql", json={"query": QUERY}, headers=stranger)
        portal_asks = await client.options("/graphql", headers={**preflight, "origin": PORTAL})
        other_asks = await client.options("/graphql", headers={**preflight, **stranger})
    assert portal.headers["access-control-allow-origin"] == PORTAL
    assert portal.headers["access-control-allow-credentials"] == "true"
    assert "origin" in portal.headers["vary"].lower()
    assert portal_asks.status_code == 200
    assert portal_asks.headers["access-control-allow-origin"] == PORTAL
    assert portal_asks.headers["access-control-allow-credentials"] == "true"
    allowed = {h.strip() for h in portal_asks.headers["access-control-allow-headers"].split(",")}
    assert {"x-api-key", "content-type"} <= allowed
    assert other.status_code == 200  # answered, but the browser may not read it
    assert "access-control-allow-origin" not in other.headers
    assert other_asks.status_code == 400
    assert "access-control-allow-origin" not in other_asks.headers


@pytest.mark.parametrize(
    "given",
    ["portal-7f3c2a91", "0f9e8d7c-6b5a-4c3d-9e8f-7a6b5c4d3e2f", "trace:abc.DEF_123"],
)
async def test_a_sane_request_id_is_echoed(hub: HubFactory, settings: Settings, given: str) -> None:
    async with hub(settings) as client:
        response = await client.post(
            "/graphql", json={"query": QUERY}, headers={"x-request-id": given}
        )
        refused = await client.post("/graphql", content=b"query=1", headers={"x-request-id": given})
    assert response.headers["x-request-id"] == given
    assert refused.status_code == 415 and refused.headers["x-request-id"] == given


@pytest.mark.parametrize(
    "given",
    [None, "", "a\nb", "x" * 500, "short", "<script>alert(1)</script>", "id with spaces"],
    ids=["none", "empty", "newline", "500-chars", "too-short", "markup", "spaces"],
)
async def test_a_missing_or_hostile_request_id_is_replaced(
    hub: HubFactory, settings: Settings, given: str | None
) -> None:
    headers = {"x-request-id": given} if given is not None else {}
    async with hub(settings) as client:
        first = await client.post("/graphql", json={"query": QUERY}, headers=headers)
        second = await client.post("/graphql", json={"query": QUERY}, headers=headers)
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(GENERATED_ID.match(request_id) for request_id in ids)
    assert ids[0] != ids[1]
    assert first.headers.get_list("x-request-id") == [ids[0]]


async def test_the_graphiql_page_is_still_served_to_browsers(
    hub: HubFactory, hub_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{}")
    settings = hub_settings(
        cors_origins=[PORTAL], persisted_queries="only", persisted_queries_file=manifest
    )
    async with hub(settings) as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "kotahub-playground-config" in page.text
    assert GENERATED_ID.match(page.headers["x-request-id"])


@pytest.fixture
def behind_proxies(
    redis_url: str, demo_server: ThreadedServer, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """Two hubs limiting anonymous clients to two operations a minute: the first trusts
    the proxy at 127.0.0.1 (where the tests connect from), the second trusts none."""
    sources = [tourism_source(demo_server.url)]
    common = {
        "redis_url": redis_url,
        "rate_limits": json.dumps({"anonymous": "2/minute"}),
        "log_level": "WARNING",
    }
    trusting = {**common, "trusted_proxies": '["127.0.0.1"]'}
    with (
        hub_processes(
            1, sources, tmp_path, cache_prefix=f"p-{uuid.uuid4().hex[:8]}", **trusting
        ) as (trusted,),
        hub_processes(1, sources, tmp_path, cache_prefix=f"n-{uuid.uuid4().hex[:8]}", **common) as (
            untrusted,
        ),
    ):
        yield trusted, untrusted


async def _statuses(client: httpx.AsyncClient, url: str, *forwarded: str | None) -> list[int]:
    statuses = []
    for address in forwarded:
        headers = {"x-forwarded-for": address} if address is not None else {}
        response = await client.post(f"{url}/graphql", json={"query": QUERY}, headers=headers)
        statuses.append(response.status_code)
    return statuses


async def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(
    behind_proxies: tuple[str, str],
) -> None:
    trusted, _ = behind_proxies
    async with httpx.AsyncClient(timeout=10) as client:
        first = await _statuses(client, trusted, "203.0.113.5", "203.0.113.5", "203.0.113.5")
        # A client cannot dodge its limit by adding addresses before the one the proxy saw.
        forged = await _statuses(client, trusted, "198.51.100.1, 203.0.113.5")
        others = await _statuses(client, trusted, "203.0.113.6", None, None, None)
    assert first == [200, 200, 429]
    assert forged == [429]
    assert others == [200, 200, 200, 429]  # a second client, then the proxy's own address


async def test_without_trusted_proxies_x_forwarded_for_is_ignored(
    behind_proxies: tuple[str, str],
) -> None:
    _, untrusted = behind_proxies
    async with httpx.AsyncClient(timeout=10) as client:
        statuses = await _statuses(client, untrusted, "203.0.113.5", "203.0.113.6", "203.0.113.7")
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize(
    ("proxies", "expected"),
    [
        ('["10.1.2.3/8"]', "got '10.1.2.3/8' (10.1.2.3/8 has host bits set)"),
        ('["proxy.internal"]', "got 'proxy.internal'"),
        ('["*"]', "got '*'"),
    ],
    ids=["host-bits", "a-name", "everyone"],
)
def test_trusted_proxies_must_be_addresses_or_networks_the_middleware_reads(
    tmp_path: Path, proxies: str, expected: str
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f"trusted_proxies = {proxies}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    message = str(raised.value)
    assert message.startswith(f"invalid setting 'trusted_proxies' in '{config}'")
    assert "expected addresses or networks such as '10.0.0.0/8' or '127.0.0.1'" in message
    assert expected in message


def test_trusted_proxies_accept_addresses_and_networks(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('trusted_proxies = ["127.0.0.1", "10.0.0.0/8", "fd00::/8", "::1"]\n')
    assert load_settings(config).trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "fd00::/8", "::1")


async def test_answers_say_what_they_vary_with_and_keyed_ones_are_private(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = {"query": "{ emergencyContacts { number } }"}
    async with hub(hub_settings(api_keys=api_keys())) as client:
        public = await client.post("/graphql", json=query)
        keyed = await client.post("/graphql", json=query, headers=PARTNER)
    for response in (public, keyed):
        varies = {part.strip() for part in response.headers["vary"].split(",")}
        assert {"Accept", "Accept-Language", "Authorization", "X-API-Key"} <= varies
    assert "cache-control" not in public.headers
    assert keyed.headers["cache-control"] == "private, no-store"
