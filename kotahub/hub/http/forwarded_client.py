"""The client's address behind trusted proxies: X-Forwarded-For, when it names an address."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

PEER = "kotahub.peer"  # the scope key keeping the address the connection came from


class ForwardedClient:
    """uvicorn's proxy-headers middleware (the right-most forwarded address that is not a
    trusted proxy), except that a value which is no address ("unknown", a name, garbage)
    leaves the connection's own peer as the client: otherwise each invented value would be
    a client of its own, with a rate limit of its own."""

    def __init__(self, app: ASGIApp, trusted_hosts: list[str]) -> None:
        self._app = app
        checked: Any = self._checked  # uvicorn types ASGI apps with protocols of its own
        self._proxied: Any = ProxyHeadersMiddleware(checked, trusted_hosts=trusted_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope[PEER] = scope.get("client")
        await self._proxied(scope, receive, send)

    async def _checked(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if client is not None and scope.get(PEER) is not None and not _is_address(client[0]):
            scope["client"] = scope[PEER]
        await self._app(scope, receive, send)


def _is_address(host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        return False
    return True
