"""A request id for every request: the caller's ``X-Request-ID`` when sane, else a new one."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from kotahub.hub.http.wrapper import HttpWrapper, response_headers
from kotahub.observability.logs import CURRENT_REQUEST_ID

HEADER = "x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class RequestId(HttpWrapper):
    """The id is CURRENT_REQUEST_ID while the request is served (the log lines written then
    carry it), and the response's X-Request-ID."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = Headers(scope=scope).get(HEADER, "")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers(message).append(HEADER, request_id)
            await send(message)

        token = CURRENT_REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, tagged)
        finally:
            CURRENT_REQUEST_ID.reset(token)
