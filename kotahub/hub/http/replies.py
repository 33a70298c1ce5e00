"""Small ASGI pieces of the GraphQL endpoint: reading a bounded body, handing it on, and
answering with GraphQL errors."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Message, Receive, Send


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body; None as soon as it grows past ``limit`` bytes (nothing more is read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, then: Receive) -> Receive:
    """A ``receive`` that hands on a body already read, then what ``then`` receives: the
    client's going away, which a streamed answer (``@defer``) waits for while it runs."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


async def send_errors(
    send: Send, status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> None:
    """A GraphQL response holding only errors."""
    body = json.dumps({"errors": errors}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def too_large(limit: int) -> list[dict[str, Any]]:
    return [
        {
            "message": f"the request body is larger than {limit} bytes, the most this API "
            "accepts (max_body_bytes)",
            "extensions": {
                "code": "PAYLOAD_TOO_LARGE",
                "limit": "max_body_bytes",
                "maximum": limit,
            },
        }
    ]
