"""What each GraphQL request came to: counted in the metrics and told in one log event.

Wraps ``/graphql`` outside the door, so that it sees refused requests too. It opens the
request's trace (the sources it touches), times the request, and reads what the layers
inside left behind: the operations the door read (``asked``) or let in (``admitted``)
and the names of those it chose (``operation_names``), the status, whether the answer
carries GraphQL errors, and the response cache's verdict.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from kotahub.hub.graphql.response_cache import CACHE_HEADER
from kotahub.hub.http.graphql_request import GraphQLRequest
from kotahub.hub.http.wrapper import HttpWrapper
from kotahub.hub.runtime import HubRuntime
from kotahub.observability.metrics import HubMetrics, Outcome
from kotahub.upstream.usage import CURRENT_TRACE, RequestTrace

log = logging.getLogger("kotahub.access")
ERRORS_KEY = b'"errors":'
# Outcomes by which an operation's name earns a metric label of its own past the first few.
EARNED: frozenset[Outcome] = frozenset({"ok", "cache_hit"})


@dataclass
class _Seen:
    """What the response said about itself as it went out."""

    status: int = 500
    cache: str | None = None
    errors: bool = False
    _tail: bytes = b""

    async def watch(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            found = dict(message.get("headers", [])).get(CACHE_HEADER)
            self.cache = found.decode("latin-1") if found is not None else None
        elif message["type"] == "http.response.body" and not self.errors:
            body = self._tail + message.get("body", b"")
            self.errors = ERRORS_KEY in body
            self._tail = body[-len(ERRORS_KEY) :]


class GraphQLAccess(HttpWrapper):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {})
        seen = _Seen()

        async def watched(message: Message) -> None:
            await seen.watch(message)
            await send(message)

        started = time.perf_counter()
        trace = RequestTrace()
        token = CURRENT_TRACE.set(trace)
        try:
            await self.app(scope, receive, watched)
        finally:
            CURRENT_TRACE.reset(token)
            seconds = time.perf_counter() - started
            _observe(scope["app"].state.runtime, state, seen, trace, seconds)


def _observe(
    runtime: HubRuntime, state: dict[str, Any], seen: _Seen, trace: RequestTrace, seconds: float
) -> None:
    metrics = runtime.metrics
    outcome = _outcome(state, seen)
    if outcome is None:  # the playground page, or a GET that asked for nothing
        return
    operation = _operation(metrics, state, earned=outcome in EARNED)
    metrics.graphql_request(operation, outcome, seconds)
    duration_ms = round(seconds * 1000, 2)
    log.info(
        "%s %s %d %.1f ms",
        operation,
        outcome,
        seen.status,
        duration_ms,
        extra={
            "event": "graphql_request",
            "operation": operation,
            "outcome": outcome,
            "duration_ms": duration_ms,
            "status": seen.status,
            "sources": sorted(trace.sources),
            "cache": seen.cache,
        },
    )


def _outcome(state: dict[str, Any], seen: _Seen) -> Outcome | None:
    if state.get("admitted") is None:  # the door answered itself
        if seen.status == 200 and not seen.errors and state.get("asked") is None:
            return None
        return "errors" if seen.status >= 500 else "refused"
    if seen.cache == "hit":
        return "cache_hit"
    return "errors" if seen.errors or seen.status >= 400 else "ok"


def _operation(metrics: HubMetrics, state: dict[str, Any], *, earned: bool) -> str:
    """The bounded label of what was asked: ``batch`` for several operations, ``unknown``
    when the door refused the request before reading any."""
    admitted = state.get("admitted")
    operations = admitted.operations if admitted is not None else state.get("asked")
    if not operations:
        return "unknown"
    if len(operations) > 1:
        return "batch"
    return metrics.operations.label(_name(operations[0], state), earned=earned)


def _name(request: GraphQLRequest, state: dict[str, Any]) -> str | None:
    """The operationName sent, else the name of the operation the door chose, if it got
    that far: nothing is parsed here, on the event loop, after the door."""
    if request.operation_name is not None:
        return request.operation_name
    chosen: list[str | None] = state.get("operation_names") or [None]
    return chosen[0]
