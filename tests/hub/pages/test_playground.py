"""Tests for the self-hosted GraphiQL playground: page, CSP, local assets, missing-assets 503."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from kotahub.hub.pages.playground import (
    CONTENT_SECURITY_POLICY,
    DEFAULT_ASSET_DIR,
    MISSING_ASSETS_MESSAGE,
    PLAYGROUND_PREFIX,
    PlaygroundExample,
    assets_installed,
    playground_config_json,
    playground_routes,
    render_playground,
)

BASE_URL = "http://hub.test"
NPM_PROJECT = Path(__file__).resolve().parents[3] / "graphiql"
GRAPHQL_WS_BUNDLE = f"{PLAYGROUND_PREFIX}/static/graphql-ws/umd/graphql-ws.min.js"
JAVASCRIPT_TYPES = ("text/javascript", "application/javascript")
EXAMPLES = (
    PlaygroundExample("Places to visit", "query Places { __typename }"),
    PlaygroundExample(
        "Tricky </script><!-- & text",
        'query Tricky($q: String) { __typename } # "</script><script>alert(1)</script>"',
        '{"q": "</SCRIPT> & <b>"}',
    ),
)
CSS_REFERENCE = re.compile(
    r"""url\(\s*(['"]?)(?P<url>.*?)\1\s*\)|@import\s+(['"])(?P<import>.*?)\3""", re.IGNORECASE
)


class PageParser(HTMLParser):
    """Collects the attributes of every element and the JSON config script's text."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.config_text = ""
        self._in_config = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        self._in_config = attributes.get("id") == "kotahub-playground-config"

    def handle_endtag(self, tag: str) -> None:
        self._in_config = False

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config_text += data

    def links(self) -> list[str]:
        return [
            value
            for _, attrs in self.elements
            for name, value in attrs.items()
            if name in ("src", "href") and value is not None
        ]


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def make_app(asset_dir: Path | None = None) -> Starlette:
    async def graphql_page(request: Request) -> HTMLResponse:
        return render_playground("/graphql", EXAMPLES)

    routes: list[BaseRoute] = [*playground_routes(asset_dir), Route("/graphql", graphql_page)]
    return Starlette(routes=routes)


def make_client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)


@pytest.fixture(scope="session")
def vendor_assets() -> Path:
    if not assets_installed(DEFAULT_ASSET_DIR):
        pytest.fail(
            f"GraphiQL assets are missing in {DEFAULT_ASSET_DIR}: run `make assets` "
            "(scripts/install_graphiql_assets.py fetches them from npm)",
            pytrace=False,
        )
    return DEFAULT_ASSET_DIR


@pytest.fixture
async def client(vendor_assets: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(make_app()) as http:
        yield http


@pytest.fixture
async def page(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/graphql")


def assert_local(reference: str, where: str) -> None:
    parts = urlsplit(reference)
    assert not parts.scheme and not parts.netloc, f"{where} loads {reference!r} from elsewhere"


async def test_page_has_title_strict_csp_and_nosniff(page: httpx.Response) -> None:
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<title>KotaHub — Balikpapan city data API</title>" in page.text
    assert "<noscript>" in page.text


async def test_page_has_no_inline_executable_script(page: httpx.Response) -> None:
    parser = parse_page(page.text)
    scripts = [attrs for tag, attrs in parser.elements if tag == "script"]
    assert scripts
    for attrs in scripts:
        assert attrs.get("src") or attrs.get("type") == "application/json", attrs
    handlers = [name for _, attrs in parser.elements for name in attrs if name.startswith("on")]
    assert handlers == []


async def test_every_src_and_href_is_same_origin_and_loads(
    client: httpx.AsyncClient, page: httpx.Response
) -> None:
    links = parse_page(page.text).links()
    assert f"{PLAYGROUND_PREFIX}/app/playground.js" in links
    assert f"{PLAYGROUND_PREFIX}/static/graphiql/graphiql.min.js" in links
    for link in links:
        assert_local(link, "the page")
        assert link.startswith("/"), link
        response = await client.get(link)
        assert response.status_code == 200, link
        assert response.headers["x-content-type-options"] == "nosniff", link
        assert response.content, link


async def test_every_css_reference_is_local_and_loads(
    client: httpx.AsyncClient, page: httpx.Response
) -> None:
    stylesheets = [
        href
        for tag, attrs in parse_page(page.text).elements
        if tag == "link" and attrs.get("rel") == "stylesheet" and (href := attrs.get("href"))
    ]
    assert len(stylesheets) >= 1
    for sheet in stylesheets:
        response = await client.get(sheet)
        assert response.status_code == 200, sheet
        assert response.headers["content-type"].startswith("text/css"), sheet
        for match in CSS_REFERENCE.finditer(response.text):
            reference = match.group("url") or match.group("import") or ""
            if not reference or reference.startswith(("data:", "#")):
                continue
            assert_local(reference, sheet)
            target = urljoin(f"{BASE_URL}{sheet}", reference)
            assert (await client.get(target)).status_code == 200, f"{sheet} -> {reference}"


async def test_config_json_round_trips_script_breaking_text(page: httpx.Response) -> None:
    parser = parse_page(page.text)
    assert "</script>" not in parser.config_text.lower()
    assert "<" not in parser.config_text and "&" not in parser.config_text
    config = json.loads(parser.config_text)
    assert config["endpoint"] == "/graphql"
    assert config["examples"] == [
        {"title": ex.title, "query": ex.document, "variables": ex.variables} for ex in EXAMPLES
    ]


def test_config_json_escapes_html_significant_characters() -> None:
    encoded = playground_config_json("/graphql?a=1&b=<2>", EXAMPLES)
    assert not set("<>&") & set(encoded)
    assert json.loads(encoded)["endpoint"] == "/graphql?a=1&b=<2>"


def test_manifest_matches_installed_files(vendor_assets: Path) -> None:
    manifest = json.loads((vendor_assets / "manifest.json").read_text(encoding="utf-8"))
    paths = {entry["path"] for entry in manifest["files"]}
    assert "graphiql/graphiql.min.js" in paths
    for entry in manifest["files"]:
        content = (vendor_assets / entry["path"]).read_bytes()
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], entry["path"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), entry


async def test_page_loads_the_served_graphql_ws_client_before_the_playground_script(
    client: httpx.AsyncClient, page: httpx.Response
) -> None:
    scripts = [
        src
        for tag, attrs in parse_page(page.text).elements
        if tag == "script" and (src := attrs.get("src"))
    ]
    assert GRAPHQL_WS_BUNDLE in scripts
    playground = f"{PLAYGROUND_PREFIX}/app/playground.js"
    assert scripts.index(GRAPHQL_WS_BUNDLE) < scripts.index(playground)
    response = await client.get(GRAPHQL_WS_BUNDLE)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in JAVASCRIPT_TYPES
    assert response.headers["x-content-type-options"] == "nosniff"
    assert b"graphql-transport-ws" in response.content


def test_graphql_ws_is_pinned_locked_and_in_the_manifest(vendor_assets: Path) -> None:
    package = json.loads((NPM_PROJECT / "package.json").read_text(encoding="utf-8"))
    version = package["dependencies"]["graphql-ws"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    lock = json.loads((NPM_PROJECT / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/graphql-ws"]
    assert locked["version"] == version
    assert locked["integrity"].startswith("sha512-")
    manifest = json.loads((vendor_assets / "manifest.json").read_text(encoding="utf-8"))
    entries = {entry["path"]: entry for entry in manifest["files"]}
    bundle = GRAPHQL_WS_BUNDLE.removeprefix(f"{PLAYGROUND_PREFIX}/static/")
    assert entries[bundle]["version"] == version
    assert "graphql-ws/LICENSE.md" in entries


def test_csp_connects_to_the_hub_alone_websockets_included() -> None:
    directives = dict(
        part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";") if part.strip()
    )
    # 'self' matches ws: and wss: on the page's own host (CSP Level 3); nothing else.
    assert directives["connect-src"] == "'self'"


async def test_missing_assets_answer_503_with_hint(tmp_path: Path) -> None:
    missing = tmp_path / "not-installed"
    assert not assets_installed(missing)
    async with make_client(make_app(missing)) as http:
        response = await http.get(f"{PLAYGROUND_PREFIX}/static/graphiql/graphiql.min.js")
        page = await http.get("/graphql")
        script = await http.get(f"{PLAYGROUND_PREFIX}/app/playground.js")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == MISSING_ASSETS_MESSAGE
    assert page.status_code == 200
    assert script.status_code == 200


async def test_unknown_asset_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{PLAYGROUND_PREFIX}/static/graphiql/nope.js")
    assert response.status_code == 404
