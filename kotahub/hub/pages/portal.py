"""Klik Balikpapan, the reference portal: its page and files under /portal/, its settings
as JSON, and the persisted operations it sends (built from portal/ at install time)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from kotahub.errors import ConfigError
from kotahub.hub.settings import Settings

PORTAL_PREFIX = "/portal"
TILE_SUBDOMAINS = ("a", "b", "c")  # Leaflet's default for {s}
PORTAL_DIR = Path(__file__).parent / "static" / "portal"
MANIFEST_NAME = "manifest.json"
PERSISTED_NAME = "persisted.json"
MISSING_MESSAGE = (
    "the portal is not built: run `make run` (or `python scripts/install_portal_assets.py`), "
    "which builds it from portal/ with its npm packages"
)


def portal_built(directory: Path = PORTAL_DIR) -> bool:
    """Whether the portal is built (its installer writes the manifest last)."""
    return (directory / MANIFEST_NAME).is_file()


def portal_operations(directory: Path = PORTAL_DIR) -> dict[str, str]:
    """The portal's persisted operations by hash; none while it is not built."""
    path = directory / PERSISTED_NAME
    if not portal_built(directory) or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"the portal's operations in {path} cannot be read ({exc}); expected a JSON map "
            "of sha256 hashes to documents: build it again with `make run`"
        ) from exc
    return {str(digest): str(document) for digest, document in data.items()}


def content_security_policy(tile_url: str | None) -> str:
    """Only the hub itself, and the tile server's origin for images where one is set."""
    images = "'self' data:"
    if tile_url:  # {s}: the server's subdomains a, b and c, as Leaflet fills it in
        parts = urlsplit(tile_url)
        hosts = dict.fromkeys(parts.netloc.replace("{s}", name) for name in TILE_SUBDOMAINS)
        images += "".join(f" {parts.scheme}://{host}" for host in hosts)
    return (
        f"default-src 'self'; img-src {images}; style-src 'self'; font-src 'self'; "
        "connect-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )


def portal_routes(settings: Settings, directory: Path = PORTAL_DIR) -> list[BaseRoute]:
    """The page at /portal/, its settings at /portal/config.json, its files beneath."""
    policy = content_security_policy(settings.portal_tile_url)
    config = {
        "tileUrl": settings.portal_tile_url,
        "tileAttribution": settings.portal_tile_attribution,
        "defaultLang": settings.default_lang,
        "graphql": "/graphql",
    }

    async def page(request: Request) -> Response:
        if not portal_built(directory):
            return PlainTextResponse(MISSING_MESSAGE, status_code=503)
        headers = {"Content-Security-Policy": policy, "Cache-Control": "no-cache"}
        return FileResponse(directory / "index.html", headers=headers)

    async def settings_json(request: Request) -> Response:
        return JSONResponse(config, headers={"Cache-Control": "no-cache"})

    return [
        Route(f"{PORTAL_PREFIX}/", page),
        Route(f"{PORTAL_PREFIX}/index.html", page),
        Route(f"{PORTAL_PREFIX}/config.json", settings_json),
        # Compressed as it goes: the first screen is small on a phone's connection too.
        Mount(PORTAL_PREFIX, app=GZipMiddleware(_PortalFiles(directory, policy)), name="portal"),
    ]


class _PortalFiles:
    """The portal's files, under its CSP and ``nosniff``; 503 while it is not built."""

    def __init__(self, directory: Path, policy: str) -> None:
        self._directory = directory
        self._policy = policy
        self._files = StaticFiles(directory=directory, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not portal_built(self._directory):
            await PlainTextResponse(MISSING_MESSAGE, status_code=503)(scope, receive, send)
            return

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Content-Security-Policy"] = self._policy
                # Asked again each time (a 304 while unchanged): after an upgrade no tab runs
                # old code that sends operations the hub no longer has.
                headers["Cache-Control"] = "no-cache"
            await send(message)

        await self._files(scope, receive, guarded)
