"""What a live connection reaches of the hub: its runtime, the door, the client's address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.datastructures import Headers
from starlette.websockets import WebSocket
from strawberry.http.async_base_view import AsyncWebSocketAdapter

from kotahub.access import Principal
from kotahub.hub.http.graphql_call import Admitted
from kotahub.hub.http.graphql_request import GraphQLRequest
from kotahub.hub.runtime import HubRuntime


class Door(Protocol):
    """The door of /graphql, as connections already open use it."""

    async def admit_one(
        self, runtime: HubRuntime, caller: tuple[Principal, str], request: GraphQLRequest
    ) -> Admitted: ...

    def principal_of(self, headers: Headers) -> Principal: ...


@dataclass(frozen=True, slots=True)
class LiveEdge:
    runtime: HubRuntime
    door: Door
    address: str
    headers: Headers  # the handshake's


def live_edge(websocket: AsyncWebSocketAdapter) -> LiveEdge:
    """The edge of the connection Strawberry's adapter carries (the app keeps the door)."""
    connection: WebSocket = getattr(websocket, "ws")  # noqa: B009 - the ASGI adapter's socket
    state = connection.app.state
    address = connection.client.host if connection.client else "unknown"
    return LiveEdge(state.runtime, state.door, address, connection.headers)
