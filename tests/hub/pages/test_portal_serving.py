"""How the hub serves the portal: its page and files under a strict CSP, 503 until it is
built, its settings as JSON, and its operations as persisted ones."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from kotahub.errors import ConfigError
from kotahub.hub.app import with_portal_operations
from kotahub.hub.pages.portal import content_security_policy, portal_operations, portal_routes
from kotahub.hub.settings import Settings

pytestmark = pytest.mark.unit

DOCUMENT = "query Hello { __typename }"
DIGEST = "5b1b4e32d0c9f0d6d5d2e5b1f54c7a6b3f3c9c1e6a0f2b8d7e4c3a2b1f0e9d8c"


def _built(directory: Path, persisted: str = "{}") -> Path:
    (directory / "index.html").write_text("<!doctype html><title>Klik</title>")
    (directory / "app.js").write_text("export {};")
    (directory / "persisted.json").write_text(persisted)
    (directory / "manifest.json").write_text("{}")
    return directory


def _client(directory: Path, **settings: str) -> httpx.AsyncClient:
    app = Starlette(routes=portal_routes(Settings(**settings), directory))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub.test")


async def test_until_it_is_built_the_portal_says_how_to_build_it(tmp_path: Path) -> None:
    async with _client(tmp_path) as client:
        page, script = await client.get("/portal/"), await client.get("/portal/app.js")
    assert (page.status_code, script.status_code) == (503, 503)
    assert "make run" in page.text


async def test_the_page_and_its_files_allow_only_the_hub(tmp_path: Path) -> None:
    async with _client(_built(tmp_path)) as client:
        page, script = await client.get("/portal/"), await client.get("/portal/app.js")
        config = (await client.get("/portal/config.json")).json()
    assert page.status_code == script.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy  # no other origin at all without a tile server
    assert script.headers["x-content-type-options"] == "nosniff"
    assert script.headers["cache-control"] == "no-cache"  # never old code after an upgrade
    assert config == {
        "tileUrl": None,
        "tileAttribution": "",
        "defaultLang": "id",
        "graphql": "/graphql",
    }


async def test_a_tile_server_is_allowed_for_images_alone(tmp_path: Path) -> None:
    url = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    async with _client(_built(tmp_path), portal_tile_url=url) as client:
        page = await client.get("/portal/")
        config = (await client.get("/portal/config.json")).json()
    images = "img-src 'self' data: https://a.tile.example.org https://b.tile.example.org "
    assert images + "https://c.tile.example.org;" in page.headers["content-security-policy"]
    assert config["tileUrl"] == url
    assert content_security_policy(None).count("https://") == 0


def test_the_portals_operations_are_read_once_built(tmp_path: Path) -> None:
    assert portal_operations(tmp_path) == {}
    _built(tmp_path, json.dumps({DIGEST: DOCUMENT}))
    assert portal_operations(tmp_path) == {DIGEST: DOCUMENT}


def test_unreadable_operations_say_how_to_mend_them(tmp_path: Path) -> None:
    _built(tmp_path, "{not json")
    with pytest.raises(ConfigError, match="build it again"):
        portal_operations(tmp_path)


def test_a_tile_url_that_is_no_template_is_refused_with_an_example() -> None:
    with pytest.raises(ValueError, match=r"expected an http\(s\) URL with \{z\}"):
        Settings(portal_tile_url="https://tiles.example.org/map.png")


def test_a_tile_server_with_a_subdomain_in_its_host_gets_a_valid_policy() -> None:
    policy = content_security_policy("http://tile-{s}.example.org/{z}/{x}/{y}.png")
    assert "http://tile-a.example.org http://tile-b.example.org http://tile-c.example.org" in policy
    assert "*" not in policy


def test_the_portal_with_persisted_queries_off_is_refused_saying_why() -> None:
    with pytest.raises(ValueError, match="persisted operations only"):
        Settings(persisted_queries="off")
    assert Settings(persisted_queries="off", portal=False).persisted_queries == "off"


def test_persisted_only_mode_says_that_it_runs_the_portals_operations_too(
    caplog: pytest.LogCaptureFixture,
) -> None:
    built = portal_operations()
    assert built, "the portal is built by make test"
    with caplog.at_level(logging.WARNING, logger="kotahub"):
        kept = with_portal_operations({DIGEST: DOCUMENT}, "only")
        with_portal_operations({}, "automatic")
    assert kept == {**built, DIGEST: DOCUMENT}
    said = [record.getMessage() for record in caplog.records]
    assert said == [
        f"persisted-only mode runs the portal's {len(built)} operations besides the "
        "manifest's (set portal = false to run the manifest's alone)"
    ]
