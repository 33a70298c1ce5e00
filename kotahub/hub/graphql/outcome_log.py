"""What each GraphQL request came to: counted in the metrics and told in one log event.

Wraps ``/graphql`` outside the door, so that it sees refused requests too. It opens the
request's trace (the sources it touches), times the request, and reads what the door
learnt of it (the request's GraphQLCall: the operations it read, the names of those it
chose, whether it let them in), the status, whether the answer carries GraphQL errors, and
the response cache's verdict.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from starlette.types import Message, Receive, Scope, Send

from kotahub.hub.graphql.response_cache import CACHE_HEADER
from kotahub.hub.http.graphql_call import GraphQLCall, graphql_call
from kotahub.hub.http.wrapper import HttpWrapper
from kotahub.hub.runtime import HubRuntime
from kotahub.observability.metrics import HubMetrics, Outcome
from kotahub.upstream.usage import CURRENT_TRACE, RequestTrace

log = logging.getLogger("kotahub.access")
ERRORS_KEY = b'"errors":'
# Outcomes by which an operation's name earns a metric label of its own past the first few.
EARNED: frozenset[Outcome] = frozenset({"ok", "cache_hit"})


@dataclass
class _Outgoing:
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
        call = graphql_call(scope)
        seen = _Outgoing()

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
            _observe(scope["app"].state.runtime, call, seen, trace, seconds)


def _observe(
    runtime: HubRuntime, call: GraphQLCall, seen: _Outgoing, trace: RequestTrace, seconds: float
) -> None:
    metrics = runtime.metrics
    outcome = _outcome(call, seen)
    if outcome is None:  # the playground page, or a GET that asked for nothing
        return
    operation = _operation(metrics, call, earned=outcome in EARNED)
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


def _outcome(call: GraphQLCall, seen: _Outgoing) -> Outcome | None:
    if call.admission is None:  # the door answered itself
        if seen.status == 200 and not seen.errors and call.read is None:
            return None
        return "errors" if seen.status >= 500 else "refused"
    if seen.cache == "hit":
        return "cache_hit"
    return "errors" if seen.errors or seen.status >= 400 else "ok"


def _operation(metrics: HubMetrics, call: GraphQLCall, *, earned: bool) -> str:
    """The bounded label of what was asked: ``batch`` for several operations, ``unknown``
    when the door refused the request before reading any."""
    if call.read is None:
        return "unknown"
    if len(call.read.requests) > 1:
        return "batch"
    return metrics.operations.label(call.operation_name(), earned=earned)
