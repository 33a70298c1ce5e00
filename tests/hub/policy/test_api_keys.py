"""API keys: each scope gets what it may and nothing more; a wrong key gets nothing at all."""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from kotahub.cli import main
from kotahub.demo.app import TOURISM_ITEMS
from kotahub.hub.policy.api_keys import hash_of
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.api_keys import ADMIN, ADMIN_KEY, PARTNER, PARTNER_KEY, api_keys
from tests.support.complaints import SUBMIT, road_complaint
from tests.support.graphql import gql, only_error
from tests.support.servers import ThreadedServer

SPOTS = "{ touristSpots(first: 2) { edges { node { name } } } }"
INVALIDATE = 'mutation { invalidateCache(source: "tourism") { source generation } }'
SOURCES = "{ sources { name state lastFailureAt lastError consecutiveFailures baseUrl } }"
ADMIN_ONLY = ("lastFailureAt", "lastError", "consecutiveFailures", "baseUrl")
SCOPES = [({}, "anonymous"), (PARTNER, "partner"), (ADMIN, "admin")]
SCOPE_IDS = [scope for _, scope in SCOPES]
KEYED = [ADMIN, PARTNER, {"authorization": f"Bearer {PARTNER_KEY}"}]
WRONG_KEYS = [
    {"x-api-key": ADMIN_KEY + "x"},
    {"x-api-key": PARTNER_KEY.upper()},
    {"authorization": f"Bearer {ADMIN_KEY[:-1]}"},
    {"authorization": "Bearer kh_guessed"},
]


@pytest.fixture
def settings(hub_settings: Callable[..., Settings]) -> Settings:
    return hub_settings(api_keys=api_keys(), delivery_worker=False)


def forbidden(error: dict[str, Any], field: str, scope: str) -> None:
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["message"] == (
        f"{field} needs an API key with the admin scope, sent as 'X-API-Key: <key>'; "
        f"this request has the {scope} scope"
    )


@pytest.mark.parametrize(("headers", "scope"), SCOPES, ids=SCOPE_IDS)
async def test_only_an_admin_invalidates_the_cache(
    hub: HubFactory, settings: Settings, headers: dict[str, str], scope: str
) -> None:
    async with hub(settings) as client:
        body = await gql(client, INVALIDATE, headers=headers)
    if scope == "admin":
        assert body == {"data": {"invalidateCache": {"source": "tourism", "generation": 1}}}
    else:
        assert body["data"] is None
        forbidden(only_error(body), "invalidateCache", scope)


@pytest.mark.parametrize(("headers", "scope"), SCOPES, ids=SCOPE_IDS)
async def test_only_an_admin_sees_the_details_of_the_sources(
    hub: HubFactory,
    settings: Settings,
    demo_server: ThreadedServer,
    headers: dict[str, str],
    scope: str,
) -> None:
    async with hub(settings) as client:
        body = await gql(client, SOURCES, headers=headers)
    sources = body["data"]["sources"]
    assert [s["name"] for s in sources] == ["tourism", "health", "complaints", "dimensions"]
    assert all(s["state"] == "CLOSED" for s in sources)
    if scope == "admin":
        assert "errors" not in body
        assert sources[0]["baseUrl"] == f"{demo_server.url}{TOURISM_ITEMS}"
        assert all(s["baseUrl"].startswith(demo_server.url) for s in sources)
        assert all(s["consecutiveFailures"] == 0 for s in sources)
    else:
        assert all(s[field] is None for s in sources for field in ADMIN_ONLY)
        assert len(body["errors"]) == len(sources) * len(ADMIN_ONLY)
        for error in body["errors"]:
            forbidden(error, error["path"][-1], scope)


@pytest.mark.parametrize(("headers", "scope"), SCOPES, ids=SCOPE_IDS)
async def test_every_scope_may_submit_a_complaint(
    hub: HubFactory, settings: Settings, redis_url: str, headers: dict[str, str], scope: str
) -> None:
    async with hub(settings) as client:
        body = await gql(client, SUBMIT, {"input": road_complaint()}, headers=headers)
    assert "errors" not in body, body
    submitted = body["data"]["submitComplaint"]
    assert submitted["deliveryStatus"] == "QUEUED" and submitted["errors"] == []
    async with Redis.from_url(redis_url) as redis:
        assert await redis.xlen(f"{settings.cache_prefix}:outbox") == 1


@pytest.mark.parametrize("headers", WRONG_KEYS)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_wrong_key_is_refused_even_for_public_data(
    hub: HubFactory, settings: Settings, headers: dict[str, str], method: str
) -> None:
    async with hub(settings) as client:
        if method == "GET":
            response = await client.get("/graphql", params={"query": SPOTS}, headers=headers)
        else:
            response = await client.post("/graphql", json={"query": SPOTS}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "data" not in response.json()
    error = only_error(response.json())
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert error["message"] == (
        "the API key sent is not recognised; check it, or send no key for public data"
    )


async def test_a_submission_with_a_wrong_key_is_not_recorded(
    hub: HubFactory, settings: Settings, redis_url: str
) -> None:
    payload = {"query": SUBMIT, "variables": {"input": road_complaint()}}
    async with hub(settings) as client:
        response = await client.post("/graphql", json=payload, headers=WRONG_KEYS[0])
    assert response.status_code == 401
    async with Redis.from_url(redis_url) as redis:
        assert await redis.xlen(f"{settings.cache_prefix}:outbox") == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"x-api-key": ADMIN_KEY},
        {"x-api-key": f"  {ADMIN_KEY} "},
        {"authorization": f"Bearer {ADMIN_KEY}"},
        {"authorization": f"bearer {ADMIN_KEY}"},
    ],
    ids=["x-api-key", "x-api-key-padded", "bearer", "bearer-lower-case"],
)
async def test_the_key_is_taken_from_either_header(
    hub: HubFactory, settings: Settings, headers: dict[str, str]
) -> None:
    async with hub(settings) as client:
        body = await gql(client, INVALIDATE, headers=headers)
    assert body["data"]["invalidateCache"]["generation"] == 1


async def test_other_authorization_schemes_are_no_key(hub: HubFactory, settings: Settings) -> None:
    basic = {"authorization": "Basic Y2l0eS1vcHM6c2VjcmV0"}
    async with hub(settings) as client:
        body = await gql(client, INVALIDATE, headers=basic)
    forbidden(only_error(body), "invalidateCache", "anonymous")


async def test_no_key_shows_in_any_response_or_log_line(
    hub: HubFactory, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    asked = [
        (SPOTS, ADMIN),
        (SOURCES, PARTNER),
        (INVALIDATE, PARTNER),
        (INVALIDATE, {"authorization": f"Bearer {ADMIN_KEY}"}),
        ("{ nosuchField }", ADMIN),
        ('{ touristSpot(id: "bogus") { name } }', PARTNER),
        *((SPOTS, headers) for headers in WRONG_KEYS),
    ]
    texts = []
    with caplog.at_level(logging.DEBUG):
        async with hub(settings) as client:
            for query, headers in asked:
                response = await client.post("/graphql", json={"query": query}, headers=headers)
                texts += [response.text, str(response.headers)]
            batch = [{"query": SPOTS}, {"query": INVALIDATE}]
            response = await client.post("/graphql", json=batch, headers=ADMIN)
            texts += [response.text, str(response.headers)]
    texts += [record.getMessage() for record in caplog.records]
    leaked = [text for text in texts if ADMIN_KEY[3:20] in text or PARTNER_KEY[3:20] in text]
    assert leaked == []
    assert caplog.records  # the hub did log: its start, the invalidation, …


async def test_partners_share_kept_answers_among_themselves_and_admins_bypass_them(
    hub: HubFactory, settings: Settings
) -> None:
    async with hub(settings) as client:
        keyed = [await client.post("/graphql", json={"query": SPOTS}, headers=h) for h in KEYED]
        first = await client.post("/graphql", json={"query": SPOTS})
        again = await client.post("/graphql", json={"query": SPOTS})
        admin_after = await client.post("/graphql", json={"query": SPOTS}, headers=ADMIN)
    # The admin's answer is never kept; the first partner's is, for every partner key.
    assert [r.headers["x-kotahub-cache"] for r in keyed] == ["bypass", "miss", "hit"]
    assert first.headers["x-kotahub-cache"] == "miss"  # nothing a keyed request got is shared
    assert again.headers["x-kotahub-cache"] == "hit"
    assert admin_after.headers["x-kotahub-cache"] == "bypass"
    assert admin_after.json() == again.json() == keyed[1].json()


@pytest.mark.parametrize("scope", ["admin", "partner"])
async def test_a_key_made_by_the_command_authenticates_once_configured(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    capsys: pytest.CaptureFixture[str],
    scope: str,
) -> None:
    assert main(["api-key", "dinas-pariwisata", "--scope", scope]) == 0
    printed = capsys.readouterr().out
    key_line, toml = printed.split("configuration (TOML):\n")
    found = re.search(r"(kh_[A-Za-z0-9_-]{40,})$", key_line.strip())
    assert found is not None, printed
    key = found.group(1)
    (configured,) = tomllib.loads(toml)["api_keys"]
    assert configured == {"name": "dinas-pariwisata", "scope": scope, "hash": hash_of(key)}
    assert key not in toml
    async with hub(hub_settings(api_keys=[configured])) as client:
        body = await gql(client, INVALIDATE, headers={"x-api-key": key})
        unknown = await client.post("/graphql", json={"query": SPOTS}, headers=ADMIN)
    if scope == "admin":
        assert body["data"]["invalidateCache"]["generation"] == 1
    else:
        forbidden(only_error(body), "invalidateCache", "partner")
    assert unknown.status_code == 401  # the test keys are not configured here


def test_the_command_makes_a_new_key_each_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["api-key", "rsud"]) == 0
    assert main(["api-key", "rsud"]) == 0
    printed = capsys.readouterr().out
    hashes = re.findall(r'hash = "(sha256:[0-9a-f]{64})"', printed)
    assert len(hashes) == 2 and hashes[0] != hashes[1]
    assert printed.count('scope = "partner"') == 2  # the default scope


@pytest.mark.parametrize("name", ['rsud"\nscope = "admin', "", "a" * 65, "dinas kesehatan"])
def test_api_key_refuses_a_holder_name_that_could_not_be_configured(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["api-key", name])
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert "expected 1 to 64 letters, digits" in captured.err
    assert "kh_" not in captured.out  # no key was made
