"""The app's own routes: health, readiness, the embedded default city and the playground page."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from kotahub.hub.pages.examples import PLAYGROUND_EXAMPLES
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, tourism_source
from tests.support.graphql import gql


async def test_healthz_and_readyz_when_all_answer(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "redis": {"ok": True},
        "sources": {
            "tourism": {"ok": True},
            "health": {"ok": True},
            "complaints": {"ok": True},
            "dimensions": {"ok": True},
        },
    }


async def test_readyz_names_the_source_that_does_not_answer(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(sources=[tourism_source("http://127.0.0.1:9")])) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["sources"]["tourism"]["ok"] is False
    assert "ConnectError" in body["sources"]["tourism"]["error"]


async def test_embedded_default_serves_the_city_in_process(
    hub: HubFactory, redis_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        redis_url=redis_url, cache_prefix=f"test-{uuid.uuid4().hex}", demo_data_dir=tmp_path
    )
    assert settings.embedded
    async with hub(settings) as client:
        body = await gql(
            client, '{ touristSpots(filter: {text: "Kebun Raya"}) { edges { node { name } } } }'
        )
        ready = await client.get("/readyz")
    names = [edge["node"]["name"] for edge in body["data"]["touristSpots"]["edges"]]
    assert "Kebun Raya Balikpapan" in names
    assert set(ready.json()["sources"]) == {"tourism", "health", "complaints", "dimensions"}
    assert all(check["ok"] for check in ready.json()["sources"].values())


async def test_browser_gets_graphiql_and_root_leads_to_the_portal(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        page = await client.get("/graphql", headers={"accept": "text/html"})
        root = await client.get("/")
    assert page.status_code == 200
    assert "kotahub-playground-config" in page.text and "touristSpots" in page.text
    assert root.status_code in (302, 307) and root.headers["location"].endswith("/portal/")


async def test_without_the_portal_root_leads_to_graphiql(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(portal=False)) as client:
        root = await client.get("/")
        portal = await client.get("/portal/")
    assert root.status_code in (302, 307) and root.headers["location"].endswith("/graphql")
    assert portal.status_code == 404


async def test_every_playground_example_runs_cleanly_on_the_embedded_city(
    hub: HubFactory, redis_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        redis_url=redis_url, cache_prefix=f"test-{uuid.uuid4().hex}", demo_data_dir=tmp_path
    )
    async with hub(settings) as client:
        for example in PLAYGROUND_EXAMPLES:
            if example.operation == "subscription":
                continue  # a WebSocket runs it, not a POST; tests/hub/pages validates it
            variables = json.loads(example.variables) if example.variables else None
            body = await gql(client, example.query, variables)
            assert "errors" not in body, (example.title, body)
            assert all(value for value in body["data"].values()), example.title


def test_every_example_is_described_in_both_languages_whole_city_first() -> None:
    for example in PLAYGROUND_EXAMPLES:
        assert example.about_id and example.about_en, example.title
        assert example.document.startswith(f"# {example.title}\n# {example.about_id}\n")
        assert f"# {example.about_en}\n" in example.document
    landing = PLAYGROUND_EXAMPLES[0].query
    for part in ("openNow: true", "PUSKESMAS", "districts", "status: OPEN", "dimensions", "latest"):
        assert part in landing
