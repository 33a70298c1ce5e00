"""A pure-ASGI middleware that records every HTTP request reaching the app it wraps."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

RecordedRequest = tuple[str, str, str]


class RequestLog:
    """Wraps an ASGI app and appends ``(method, path, query_string)`` for each HTTP request.

    ``path`` is relative to the app root (any ``root_path`` it is mounted under is removed),
    so counts do not depend on where the app is mounted.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[RecordedRequest] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").decode("latin-1")
            self.requests.append((scope["method"], _app_path(scope), query))
        await self.app(scope, receive, send)

    def count(self, path_prefix: str = "") -> int:
        """How many recorded requests have a path starting with ``path_prefix``."""
        return sum(1 for _, path, _ in self.requests if path.startswith(path_prefix))

    def clear(self) -> None:
        """Forget every recorded request."""
        self.requests.clear()


def _app_path(scope: Scope) -> str:
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        return path[len(root_path) :] or "/"
    return path
