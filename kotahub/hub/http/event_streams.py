"""Whether a client reads a subscription's answers as they come: Server-Sent Events, or
multipart subscriptions (``multipart/mixed;subscriptionSpec=1.0``)."""

from __future__ import annotations

from starlette.datastructures import Headers

from kotahub.hub.http.q_values import weighted

EVENT_STREAM = "text/event-stream"


def accepts_events(headers: Headers) -> bool:
    accept = headers.get("accept", "")
    if "subscriptionspec" in accept.lower():
        return True
    return any(media == EVENT_STREAM and quality > 0 for media, quality in weighted(accept))
