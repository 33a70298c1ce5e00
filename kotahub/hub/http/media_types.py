"""GraphQL responses in the media type the client accepts, with the status that goes with it.

With ``application/graphql-response+json`` (GraphQL over HTTP) a response without ``data``
— the request could not run — has status 400; with ``application/json`` it stays 200, as
older clients expect. Every response says what it varies with, so that shared caches (a
CDN in front of persisted queries over GET) keep answers apart; one made for a key is
private.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from kotahub.hub.http.q_values import weighted
from kotahub.hub.http.wrapper import HttpWrapper, response_headers

GRAPHQL_RESPONSE = "application/graphql-response+json"


class GraphQLMediaType(HttpWrapper):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        send = _labelled(send, private="x-api-key" in headers or "authorization" in headers)
        if prefers_graphql_response(headers):
            send = _as_graphql_response(send)
        await self.app(scope, receive, send)


VARY = "Accept, Accept-Language, Authorization, X-API-Key"


def _labelled(send: Send, private: bool) -> Send:
    async def labelled(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = response_headers(message)
            headers.append("vary", VARY)
            if private:
                headers["cache-control"] = "private, no-store"
        await send(message)

    return labelled


def prefers_graphql_response(headers: Headers) -> bool:
    """True when Accept ranks application/graphql-response+json at least as high as JSON."""
    ranks: dict[str, float] = {}
    for media, quality in weighted(headers.get("accept")):
        ranks[media] = max(quality, ranks.get(media, 0.0))
    wanted = ranks.get(GRAPHQL_RESPONSE, 0.0)
    return wanted > 0 and wanted >= ranks.get("application/json", 0.0)


def _as_graphql_response(send: Send) -> Send:
    held: Message | None = None

    async def rewritten(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            held = message  # the status, and maybe the body, depend on the body
            return
        if held is not None:
            start, held = held, None
            if not message.get("more_body"):
                start, message = _restated(start, message)
            await send(start)
        await send(message)

    return rewritten


def _restated(start: Message, body: Message) -> tuple[Message, Message]:
    headers = response_headers(start)
    if not headers.get("content-type", "").startswith("application/json"):
        return start, body
    headers["content-type"] = GRAPHQL_RESPONSE
    refused = _request_error(body["body"])
    if refused is not None:  # the request could not run: no data entry, and a 4xx status
        if start["status"] == 200:
            start["status"] = 400
        headers["content-length"] = str(len(refused))
        body = {**body, "body": refused}
    return start, body


def _request_error(body: bytes) -> bytes | None:
    """The body without ``data`` when the request failed before execution (parse, validation,
    limits), else None. GraphQL's own answer to a failed validation says ``"data": null``."""
    if body.startswith(b'{"data":{') or body.startswith(b"["):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or parsed.get("data") is not None or not parsed.get("errors"):
        return None
    if any(isinstance(e, dict) and "path" in e for e in parsed["errors"]):
        return None  # execution started: a field error nulled the data
    return json.dumps({"errors": parsed["errors"]}).encode()
