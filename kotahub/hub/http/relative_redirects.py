"""Trailing-slash redirects that name only a path, never a host taken from the request."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Match, Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send


class RelativeSlashRedirect:
    """What a router does when no route matches: Starlette's own slash redirect (``/graphql/``
    to ``/graphql`` and back), but to a relative URL. Starlette builds an absolute one from
    the Host header, so a forged Host made the hub send clients, and caches, elsewhere."""

    def __init__(self, router: Router, not_found: ASGIApp) -> None:
        self._router = router
        self._not_found = not_found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        own_root = path.rstrip("/") == scope.get("root_path", "").rstrip("/")
        if scope["type"] == "http" and not own_root:
            toggled = {**scope, "path": path.rstrip("/") if path.endswith("/") else path + "/"}
            if any(route.matches(toggled)[0] is not Match.NONE for route in self._router.routes):
                await RedirectResponse(_location(toggled))(scope, receive, send)
                return
        await self._not_found(scope, receive, send)


def relative_slash_redirects(app: object) -> None:
    """Make every router in ``app`` (its own, and those of the apps it mounts, through the
    middleware around them) redirect to paths only."""
    for router in _routers(app):
        router.default = RelativeSlashRedirect(router, router.default)
        router.redirect_slashes = False


def _routers(app: object) -> Iterator[Router]:
    if isinstance(app, Starlette):
        app = app.router
    if isinstance(app, Router):
        yield app
        for route in app.routes:
            if isinstance(route, Mount):
                yield from _routers(route.app)
    elif (inner := getattr(app, "app", None)) is not None:  # a middleware: look inside
        yield from _routers(inner)


def _location(scope: Scope) -> str:
    # One leading slash: "//host/..." would be read as another host, not as a path.
    path = "/" + quote(scope["path"]).lstrip("/")
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{path}?{query}" if query else path
