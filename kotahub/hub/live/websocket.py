"""Subscriptions over WebSocket (graphql-transport-ws): Strawberry's protocol handler with
the hub's door, limits, heartbeats and idle timeout.

Close codes, besides the protocol's own (4400 bad message, 4403 a key the hub does not
know, 4408 no connection_init in time, 4409 an id in use, 4429 a second connection_init):
1000 no subscription for ``live_idle_seconds``, 1012 the hub is restarting (resubscribe),
1013 the process holds as many live connections as it may (try again later).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import Any, cast

from graphql import GraphQLFormattedError, OperationType
from starlette.datastructures import Headers
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    SubscribeMessage,
)

from kotahub.access import ANONYMOUS
from kotahub.hub.http.client_identity import client_identity
from kotahub.hub.http.graphql_request import GraphQLRequest, Rejected
from kotahub.hub.live.edge import LiveEdge, live_edge
from kotahub.hub.policy.api_keys import Unauthenticated
from kotahub.schema.context import GraphQLContext

log = logging.getLogger("kotahub.live")

IDLE_CLOSE = 1000
TRY_AGAIN_LATER = 1013


class LiveSocketHandler(BaseGraphQLTransportWSHandler[GraphQLContext, None]):
    """One WebSocket connection: its subscriptions, each admitted by the door."""

    context: GraphQLContext
    edge: LiveEdge

    async def handle(self) -> None:
        self.edge = edge = live_edge(self.websocket)  # read once for the connection's life
        refused = await _refusal(edge)
        if refused is not None:
            await self.websocket.close(TRY_AGAIN_LATER, refused)
            return
        limits = edge.runtime.live_limits
        settings = edge.runtime.settings
        beat, idle = settings.live_heartbeat_seconds, settings.live_idle_seconds
        keeping = asyncio.create_task(self._keep_alive(beat, idle))
        try:
            await super().handle()
        finally:
            keeping.cancel()
            await asyncio.gather(keeping, return_exceptions=True)
            limits.disconnect("websocket", edge.address)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """The API key of the payload, read as headers are (``Authorization: Bearer …`` or
        ``X-API-Key``), else of the handshake's headers; its scope and limits apply to
        every subscription after. A key the hub does not know costs a rate-limit unit, as
        over HTTP, and closes the connection with 4403, saying why."""
        payload = message.get("payload")
        if isinstance(payload, dict) and not self.connection_init_received:
            edge = self.edge
            given = _headers(payload)
            try:
                principal = edge.door.principal_of(given if _has_key(given) else edge.headers)
            except Unauthenticated as exc:
                self.connection_init_received = True
                await edge.runtime.rate_limits.admit(ANONYMOUS, edge.address, 1)
                await self.websocket.close(4403, str(exc)[:120])
                return
            if not principal.anonymous:
                caller = client_identity(principal, edge.address)
                scope = replace(self.context.scope, principal=principal, caller=caller)
                self.context.scope = scope
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Every operation passes the door first: rate limit, persisted queries, limits."""
        payload: Any = message.get("payload")
        if not self.connection_acknowledged:
            await super().handle_subscribe(message)  # closes with 4401
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("variables") or {}, dict):
            await self.handle_invalid_message("subscribe needs a payload object with a query")
            return
        edge = self.edge
        caller = (self.context.scope.principal, edge.address)
        try:
            admitted = await edge.door.admit_one(edge.runtime, caller, _request(payload))
        except Rejected as refused:
            await self._refuse(message["id"], refused.errors())
            return
        except Exception:  # masked like any surprise, and logged with the connection's id
            log.exception(
                "the door of a WebSocket subscription failed [%s]", self.context.request_id
            )
            await self._refuse(message["id"], [_masked(self.context.request_id)])
            return
        checked = admitted.checked
        if checked is not None and checked.operation.operation != OperationType.SUBSCRIPTION:
            kind = checked.operation.operation.value
            await self._refuse(message["id"], [_over_http(kind)])
            return
        payload["query"] = admitted.request.query  # a persisted hash, as its document
        await super().handle_subscribe(message)

    async def _refuse(self, operation_id: str, errors: list[dict[str, Any]]) -> None:
        if operation_id in self.operations:
            await self.websocket.close(4409, f"Subscriber for {operation_id} already exists")
            return
        formatted = cast("list[GraphQLFormattedError]", errors)
        refusal: ErrorMessage = {"id": operation_id, "type": "error", "payload": formatted}
        await self.send_message(refusal)

    async def _keep_alive(self, heartbeat: float, idle: float) -> None:
        """A ping every ``heartbeat`` seconds once acknowledged; the connection closed after
        ``idle`` seconds without a subscription."""
        quiet = 0.0
        while True:
            await asyncio.sleep(heartbeat)
            quiet = 0.0 if self.operations else quiet + heartbeat
            if quiet >= idle:
                reason = f"no subscription for {idle:g} s"
                with contextlib.suppress(Exception):
                    await self.websocket.close(IDLE_CLOSE, reason)
                return
            if self.connection_acknowledged:
                with contextlib.suppress(Exception):
                    await self.send_message({"type": "ping"})


async def _refusal(edge: LiveEdge) -> str | None:
    """Why a new connection may not open (a full limit, or the address's rate limit), if so;
    counted as open otherwise."""
    runtime = edge.runtime
    refusal = await runtime.rate_limits.admit(ANONYMOUS, edge.address, 1)
    if refusal is not None:
        return f"rate limited: {refusal.message}"[:120]
    full = runtime.live_limits.connect("websocket", edge.address)
    return None if full is None else runtime.live_limits.refusal(full)


def _has_key(headers: Headers) -> bool:
    return "x-api-key" in headers or "authorization" in headers


def _masked(request_id: str) -> dict[str, Any]:
    extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    return {"message": "Internal server error", "extensions": extensions}


def _headers(payload: dict[str, Any]) -> Headers:
    """The payload's string entries as request headers (names in any case)."""
    pairs = {
        key.lower(): value
        for key, value in payload.items()
        if isinstance(key, str) and isinstance(value, str) and (key + value).isascii()
    }
    return Headers(pairs)


def _request(payload: dict[str, Any]) -> GraphQLRequest:
    query, variables = payload.get("query"), payload.get("variables")
    name, extensions = payload.get("operationName"), payload.get("extensions")
    return GraphQLRequest(
        query=query if isinstance(query, str) else None,
        operation_name=name if isinstance(name, str) else None,
        variables=variables if isinstance(variables, dict) else None,
        extensions=extensions if isinstance(extensions, dict) else None,
    )


def _over_http(kind: str) -> dict[str, Any]:
    message = (
        f"a {kind} is not served over WebSocket here, only subscriptions; send it with "
        "POST /graphql (the response cache and the door's per-request rules apply there)"
    )
    return {"message": message, "extensions": {"code": "OPERATION_NOT_SUPPORTED"}}
