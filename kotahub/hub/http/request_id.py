"""A request id for every request: the caller's ``X-Request-ID`` when sane, else a new one."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from kotahub.hub.http.wrapper import HttpWrapper
from kotahub.observability.logs import CURRENT_REQUEST_ID

HEADER = b"x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# The id of the request being served, for the log lines written while serving it.


class RequestId(HttpWrapper):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (HEADER, request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        token = CURRENT_REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, tagged)
        finally:
            CURRENT_REQUEST_ID.reset(token)
