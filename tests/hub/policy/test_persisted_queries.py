"""Persisted queries: Apollo's automatic protocol kept in Redis, and a manifest-only mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from kotahub.errors import ConfigError
from kotahub.hub.app import create_app
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.api_keys import ADMIN, PARTNER, api_keys
from tests.support.graphql import only_error, persisted, sha

SPOTS = "query Spots($first: Int) { touristSpots(first: $first) { edges { node { name } } } }"
CONTACTS = "query Contacts { emergencyContacts { number } }"
FREE = "{ complaintCategories { code } }"
DEEP = "{ touristSpots { edges { node { nearbyHealthFacilities { name } } } } }"


async def by_hash(
    client: httpx.AsyncClient,
    document: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Only the hash of the document, as a client first tries."""
    payload = {"extensions": persisted(document), "variables": variables}
    return await client.post("/graphql", json=payload, headers=headers)


async def with_document(
    client: httpx.AsyncClient,
    document: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The document and its hash, as a client sends after PersistedQueryNotFound."""
    payload = {"query": document, "extensions": persisted(document), "variables": variables}
    return await client.post("/graphql", json=payload, headers=headers)


def code_of(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert "data" not in body, body
    code: str = only_error(body)["extensions"]["code"]
    return code


def spot_names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return [edge["node"]["name"] for edge in body["data"]["touristSpots"]["edges"]]


async def stored(redis_url: str, settings: Settings, document: str) -> tuple[Any, int]:
    """What Redis keeps under the document's hash, and for how many seconds more."""
    async with Redis.from_url(redis_url) as redis:
        key = document_key(settings, document)
        return await redis.get(key), await redis.ttl(key)


def document_key(settings: Settings, document: str) -> str:
    return f"{{{settings.cache_prefix}:apq}}:doc:{sha(document)}"


@pytest.fixture
def settings(hub_settings: Callable[..., Settings]) -> Settings:
    return hub_settings(api_keys=api_keys(), delivery_worker=False)


@pytest.fixture
def manifested(hub_settings: Callable[..., Settings], tmp_path: Path) -> Callable[[Any], Settings]:
    """Settings for ``only`` mode with this manifest file."""

    def make(manifest: Any) -> Settings:
        path = tmp_path / "manifest.json"
        path.write_text(json.dumps(manifest))
        return hub_settings(
            api_keys=api_keys(), persisted_queries="only", persisted_queries_file=path
        )

    return make


def apollo_manifest(*documents: str) -> dict[str, Any]:
    operations = [
        {"id": sha(document), "body": document, "name": "Op", "type": "query"}
        for document in documents
    ]
    return {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}


def plain_manifest(*documents: str) -> dict[str, str]:
    return {sha(document): document for document in documents}


async def test_a_document_sent_once_runs_by_its_hash_from_then_on_in_every_replica(
    hub: HubFactory, settings: Settings, redis_url: str
) -> None:
    variables = {"first": 2}
    async with hub(settings) as client:
        unknown = await by_hash(client, SPOTS, variables)
        sent = await with_document(client, SPOTS, variables)
        again = await by_hash(client, SPOTS, variables)
    async with hub(settings) as other_replica:
        elsewhere = await by_hash(other_replica, SPOTS, {"first": 1})
    assert code_of(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    assert only_error(unknown.json())["message"] == "PersistedQueryNotFound"
    assert len(spot_names(sent)) == 2
    assert spot_names(again) == spot_names(sent)
    assert spot_names(elsewhere) == spot_names(sent)[:1]
    document, ttl = await stored(redis_url, settings, SPOTS)
    assert document == SPOTS.encode()
    assert 86_400 - 60 < ttl <= 86_400  # a day: persisted_queries_keep_seconds


async def test_a_document_sent_again_is_kept_again_for_the_replicas_that_lost_it(
    hub: HubFactory, settings: Settings, redis_url: str
) -> None:
    async with hub(settings) as first, hub(settings) as second:
        assert spot_names(await with_document(first, SPOTS, {"first": 1}))
        async with Redis.from_url(redis_url) as redis:  # expired, or Redis was restarted
            await redis.delete(document_key(settings, SPOTS))
        lost = await by_hash(second, SPOTS, {"first": 1})
        assert spot_names(await with_document(first, SPOTS, {"first": 1}))  # sent once more
        found = await by_hash(second, SPOTS, {"first": 1})
    assert code_of(lost) == "PERSISTED_QUERY_NOT_FOUND"
    assert len(spot_names(found)) == 1


async def test_a_hash_that_does_not_match_the_document_is_refused(
    hub: HubFactory, settings: Settings, redis_url: str
) -> None:
    payload = {"query": SPOTS, "extensions": persisted(CONTACTS)}
    async with hub(settings) as client:
        mismatch = await client.post("/graphql", json=payload)
        contacts = await by_hash(client, CONTACTS)
    assert code_of(mismatch, 400) == "PERSISTED_QUERY_HASH_MISMATCH"
    assert code_of(contacts) == "PERSISTED_QUERY_NOT_FOUND"  # nothing was kept under it
    assert await stored(redis_url, settings, CONTACTS) == (None, -2)


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": {"version": 2, "sha256Hash": sha(SPOTS)}},
        {"persistedQuery": {"sha256Hash": sha(SPOTS)}},
        {"persistedQuery": {"version": 1}},
        {"persistedQuery": {"version": 1, "sha256Hash": sha(SPOTS).upper()}},
        {"persistedQuery": {"version": 1, "sha256Hash": sha(SPOTS)[:40]}},
        {"persistedQuery": {"version": 1, "sha256Hash": 12345}},
        {"persistedQuery": sha(SPOTS)},
        {"persistedQuery": [1, sha(SPOTS)]},
        "persistedQuery",
    ],
)
async def test_a_malformed_persisted_query_is_a_bad_request(
    hub: HubFactory, settings: Settings, extensions: Any
) -> None:
    async with hub(settings) as client:
        hash_only = await client.post("/graphql", json={"extensions": extensions})
        with_query = await client.post("/graphql", json={"query": SPOTS, "extensions": extensions})
    assert code_of(hash_only, 400) == "BAD_REQUEST"
    assert code_of(with_query, 400) == "BAD_REQUEST"


async def test_persisted_queries_over_get_are_served_and_cached_like_posts(
    hub: HubFactory, settings: Settings
) -> None:
    params = {
        "extensions": json.dumps(persisted(SPOTS)),
        "variables": json.dumps({"first": 3}),
    }
    async with hub(settings) as client:
        unknown = await client.get("/graphql", params=params)
        sent = await client.get("/graphql", params={**params, "query": SPOTS})
        again = await client.get("/graphql", params=params)
        posted = await by_hash(client, SPOTS, {"first": 3})
    assert code_of(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    assert len(spot_names(sent)) == 3
    assert sent.headers["x-kotahub-cache"] == "miss"
    assert again.headers["x-kotahub-cache"] == "hit" and again.content == sent.content
    assert posted.headers["x-kotahub-cache"] == "hit" and posted.content == sent.content


async def test_a_persisted_mutation_is_not_run_over_get(
    hub: HubFactory, settings: Settings
) -> None:
    mutation = 'mutation { invalidateCache(source: "tourism") { generation } }'
    params = {"query": mutation, "extensions": json.dumps(persisted(mutation))}
    async with hub(settings) as client:
        refused = await client.get("/graphql", params=params, headers=ADMIN)
        hash_only = await by_hash(client, mutation)
        done = await with_document(client, mutation, headers=ADMIN)
    assert code_of(refused, 405) == "METHOD_NOT_ALLOWED"
    assert refused.headers["allow"] == "POST"
    assert code_of(hash_only) == "PERSISTED_QUERY_NOT_FOUND"  # the refused one was not kept
    assert done.json() == {"data": {"invalidateCache": {"generation": 1}}}


@pytest.mark.parametrize("manifest", [apollo_manifest, plain_manifest], ids=["apollo", "plain"])
async def test_only_mode_runs_the_operations_of_its_manifest(
    hub: HubFactory, manifested: Callable[[Any], Settings], manifest: Callable[..., Any]
) -> None:
    async with hub(manifested(manifest(SPOTS, CONTACTS))) as client:
        spots = await by_hash(client, SPOTS, {"first": 1})
        contacts = await by_hash(client, CONTACTS, headers=PARTNER)
        spots_sent_whole = await with_document(client, SPOTS, {"first": 1})
        free = await client.post("/graphql", json={"query": FREE})
        partner_free = await client.post("/graphql", json={"query": FREE}, headers=PARTNER)
        unknown = await by_hash(client, FREE)
        unknown_sent_whole = await with_document(client, FREE)
    assert len(spot_names(spots)) == 1
    assert contacts.json()["data"]["emergencyContacts"]
    assert spot_names(spots_sent_whole) == spot_names(spots)
    assert code_of(free, 400) == "PERSISTED_QUERY_REQUIRED"
    assert code_of(partner_free, 400) == "PERSISTED_QUERY_REQUIRED"
    assert code_of(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    assert code_of(unknown_sent_whole, 400) == "PERSISTED_QUERY_REQUIRED"


async def test_in_only_mode_an_admin_may_still_explore_without_opening_the_door(
    hub: HubFactory, manifested: Callable[[Any], Settings], redis_url: str
) -> None:
    settings = manifested(apollo_manifest(CONTACTS))
    async with hub(settings) as client:
        free = await client.post("/graphql", json={"query": FREE}, headers=ADMIN)
        hashed = await with_document(client, FREE, headers=ADMIN)
        # What an admin ran is not added to the manifest: others still may not run it.
        anonymous = await by_hash(client, FREE)
        anonymous_whole = await with_document(client, FREE)
    assert free.json()["data"]["complaintCategories"]
    assert hashed.json() == free.json()
    assert code_of(anonymous) == "PERSISTED_QUERY_NOT_FOUND"
    assert code_of(anonymous_whole, 400) == "PERSISTED_QUERY_REQUIRED"
    assert await stored(redis_url, settings, FREE) == (None, -2)


async def test_only_mode_does_not_run_documents_kept_by_automatic_replicas(
    hub: HubFactory,
    settings: Settings,
    manifested: Callable[[Any], Settings],
) -> None:
    only = manifested(apollo_manifest(CONTACTS))
    shared = only.model_copy(update={"cache_prefix": settings.cache_prefix})
    async with hub(settings) as automatic:
        assert spot_names(await with_document(automatic, SPOTS, {"first": 1}))
    async with hub(shared) as client:
        kept_elsewhere = await by_hash(client, SPOTS, {"first": 1})
    assert code_of(kept_elsewhere) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": sha(SPOTS), "body": CONTACTS}],
            },
            f"the operation listed as {sha(SPOTS)[:12]}… does not hash to that id; "
            "expected the SHA-256 of its body",
        ),
        (
            {sha(CONTACTS): SPOTS},
            f"the operation listed as {sha(CONTACTS)[:12]}… does not hash to that id",
        ),
        ({"operations": "all of them"}, "has an unexpected shape"),
        ([CONTACTS], "has an unexpected shape"),
    ],
    ids=["apollo-mismatch", "plain-mismatch", "operations-not-a-list", "a-list"],
)
def test_a_bad_manifest_stops_start_up(
    manifested: Callable[[Any], Settings], manifest: Any, expected: str
) -> None:
    settings = manifested(manifest)
    with pytest.raises(ConfigError) as raised:
        create_app(settings)
    message = str(raised.value)
    assert message.startswith(f"persisted_queries_file '{settings.persisted_queries_file}'")
    assert expected in message


def test_a_manifest_that_is_not_json_stops_start_up(
    hub_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("{ not json")
    settings = hub_settings(persisted_queries="only", persisted_queries_file=path)
    with pytest.raises(ConfigError, match="cannot be read as JSON"):
        create_app(settings)


@pytest.mark.system  # runs `kotahub serve` as a process of its own
def test_kotahub_serve_reports_a_bad_manifest_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({sha(CONTACTS): SPOTS}))
    settings = {"PERSISTED_QUERIES": "only", "PERSISTED_QUERIES_FILE": str(path)}
    result = subprocess.run(
        [sys.executable, "-m", "kotahub", "serve"],
        env={**os.environ, **{f"KOTAHUB_{k}": v for k, v in settings.items()}},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kotahub: configuration error: persisted_queries_file '{path}': the operation "
        f"listed as {sha(CONTACTS)[:12]}… does not hash to that id; expected the SHA-256 of "
        "its body"
    ]


async def test_with_persisted_queries_off_hashes_are_not_supported_and_documents_run(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(persisted_queries="off", portal=False)) as client:
        hash_only = await by_hash(client, SPOTS, {"first": 1})
        free = await client.post("/graphql", json={"query": SPOTS, "variables": {"first": 1}})
    assert code_of(hash_only) == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert only_error(hash_only.json())["message"] == "PersistedQueryNotSupported"
    assert len(spot_names(free)) == 1


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (DEEP, "QUERY_LIMIT_EXCEEDED"),  # deeper than max_depth
        ("{ touristSpots { edges { node { name } } }", "GRAPHQL_PARSE_FAILED"),  # unbalanced
    ],
    ids=["over-the-limits", "unparseable"],
)
async def test_a_document_that_cannot_run_is_refused_and_not_kept(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    redis_url: str,
    document: str,
    code: str,
) -> None:
    settings = hub_settings(max_depth=4)
    async with hub(settings) as client:
        sent = await with_document(client, document)
        hash_only = await by_hash(client, document)
    assert only_error(sent.json())["extensions"]["code"] == code
    assert code_of(hash_only) == "PERSISTED_QUERY_NOT_FOUND"
    assert await stored(redis_url, settings, document) == (None, -2)


def test_only_mode_without_a_manifest_or_the_portal_stops_start_up(
    hub_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(ValueError, match="give persisted_queries_file too"):
        hub_settings(persisted_queries="only", portal=False)
    assert hub_settings(persisted_queries="only").portal  # the portal's operations run
