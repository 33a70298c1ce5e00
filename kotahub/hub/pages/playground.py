"""The GraphiQL playground page and routes, with every asset served by the hub itself."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graphql import OperationDefinitionNode, parse
from starlette.datastructures import MutableHeaders
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

PLAYGROUND_PREFIX = "/graphiql"
PAGES_DIR = Path(__file__).parent
DEFAULT_ASSET_DIR = PAGES_DIR / "static" / "graphiql"
APP_DIR = PAGES_DIR / "static_src"
TEMPLATE = PAGES_DIR / "templates" / "graphiql.html"
MANIFEST_NAME = "manifest.json"
CONFIG_PLACEHOLDER = "__KOTAHUB_PLAYGROUND_CONFIG__"
MISSING_ASSETS_MESSAGE = (
    "GraphiQL assets are not installed: run `make assets` "
    "(they are fetched from npm at install time)"
)
# connect-src 'self' covers the page's own host over ws: and wss: too (CSP Level 3), so the
# playground's subscriptions reach /graphql with no other host allowed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "font-src 'self' data:; connect-src 'self'; script-src 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
}
_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@dataclass(frozen=True)
class PlaygroundExample:
    """One example operation, opened as a tab in the playground, described in both languages."""

    title: str
    query: str
    variables: str | None = None
    about_id: str = ""
    about_en: str = ""

    @property
    def operation(self) -> str:
        """Its first operation's kind: query, mutation or subscription (sent over WebSocket)."""
        for definition in parse(self.query, no_location=True).definitions:
            if isinstance(definition, OperationDefinitionNode):
                return definition.operation.value
        return "query"

    @property
    def document(self) -> str:
        """The query as the tab shows it: the title and both descriptions as comments first."""
        lines = [self.title, *(text for text in (self.about_id, self.about_en) if text)]
        header = "".join(f"# {line}\n" for line in lines)
        return header + self.query


def assets_installed(asset_dir: Path | None = None) -> bool:
    """Whether the vendor assets are installed (the installer writes the manifest last)."""
    return ((asset_dir or DEFAULT_ASSET_DIR) / MANIFEST_NAME).is_file()


def playground_config_json(endpoint: str, examples: Sequence[PlaygroundExample]) -> str:
    """The page's config as JSON that is safe inside a <script> element."""
    config = {
        "endpoint": endpoint,
        "examples": [
            {"title": ex.title, "query": ex.document, "variables": ex.variables} for ex in examples
        ],
    }
    return json.dumps(config, ensure_ascii=True).translate(_JSON_ESCAPES)


@cache
def _template() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def render_playground(endpoint: str, examples: Sequence[PlaygroundExample]) -> HTMLResponse:
    """The GraphiQL page for ``endpoint``, opening ``examples`` as tabs, under a strict CSP."""
    html = _template().replace(CONFIG_PLACEHOLDER, playground_config_json(endpoint, examples))
    return HTMLResponse(html, headers=SECURITY_HEADERS)


class _LocalStatic:
    """Static files sent with ``nosniff``; a plain 503 while the folder is not installed."""

    def __init__(self, directory: Path, *, require_manifest: bool) -> None:
        self._directory = directory
        self._require_manifest = require_manifest
        self._files = StaticFiles(directory=directory, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._require_manifest and not assets_installed(self._directory):
            response = PlainTextResponse(MISSING_ASSETS_MESSAGE, status_code=503)
            await response(scope, receive, send)
            return

        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Content-Type-Options"] = "nosniff"
            await send(message)

        await self._files(scope, receive, send_nosniff)


def playground_routes(asset_dir: Path | None = None) -> list[BaseRoute]:
    """Routes for the vendor assets (/graphiql/static) and our init script (/graphiql/app)."""
    vendor = _LocalStatic(asset_dir or DEFAULT_ASSET_DIR, require_manifest=True)
    app = _LocalStatic(APP_DIR, require_manifest=False)
    return [
        Mount(f"{PLAYGROUND_PREFIX}/static", app=vendor, name="graphiql-static"),
        Mount(f"{PLAYGROUND_PREFIX}/app", app=app, name="graphiql-app"),
    ]
