"""Whole responses of queries, kept per scope as long as the data they were built from.

Wraps the GraphQL endpoint. A request that may share its answer (a query, not a mutation;
anonymous or with a partner's key, each scope keeping its own answers; the same document,
variables and language as another) is answered from Redis when it can be, skipping GraphQL
execution altogether; requests with the admin scope never are. Otherwise it runs as usual,
and its answer is kept when it has no errors and used no stale data, for as long as the
least fresh of the upstream answers it used, at most ``response_cache_max_seconds``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from cachetools import LRUCache
from graphql import OperationType
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kotahub.access import Role
from kotahub.concurrency import sized_off_loop
from kotahub.hub.graphql.response_key import operation_of, response_key
from kotahub.hub.http.event_streams import accepts_events
from kotahub.hub.http.graphql_call import graphql_call
from kotahub.hub.http.language import preferred_lang
from kotahub.hub.http.wrapper import HttpWrapper, response_headers
from kotahub.hub.runtime import HubRuntime
from kotahub.observability.metrics import CacheResult
from kotahub.single_flight import SingleFlight
from kotahub.store.generations import EVERYTHING
from kotahub.upstream.deadline import request_deadline
from kotahub.upstream.usage import CURRENT_TRACE, RequestTrace

MAX_CACHED_BODY = 4 * 1024 * 1024
RECENT_RESPONSE_BYTES = 16 * 1024 * 1024
CACHE_HEADER = b"x-kotahub-cache"


class ResponseCache(HttpWrapper):
    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        # Identical questions asked while the first is still being answered wait for it.
        self._answering: SingleFlight[str, _Captured] = SingleFlight()
        # Answers this process kept or read lately, until they expire: a hit costs no Redis
        # round trip. Keys carry the generation of whole responses, so invalidation reaches
        # them too.
        self._recent: LRUCache[str, tuple[float, bytes]] = LRUCache(
            maxsize=RECENT_RESPONSE_BYTES, getsizeof=lambda kept: len(kept[1])
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime: HubRuntime = scope["app"].state.runtime
        started = time.perf_counter()
        token = CURRENT_TRACE.set(CURRENT_TRACE.get() or RequestTrace())  # GraphQLAccess's
        try:
            with request_deadline(runtime.settings.request_timeout_seconds):
                result = await self._answer(runtime, scope, receive, send)
        finally:
            CURRENT_TRACE.reset(token)
        runtime.metrics.request_latency.labels(result).observe(time.perf_counter() - started)

    async def _answer(self, runtime: HubRuntime, scope: Scope, receive: Receive, send: Send) -> str:
        key = await _key(runtime, scope) if runtime.settings.response_cache else None
        if key is None:
            runtime.metrics.cache("response", "bypass")
            await self.app(scope, receive, _marked(send, b"bypass"))
            return "bypass"
        cached = await self._kept(runtime, key)
        if cached is not None:
            runtime.metrics.cache("response", "hit")
            await _send_json(send, cached, b"hit")
            return "hit"
        # "shared": the same question is being answered already; its answer serves this one too.
        result: CacheResult = "shared" if key in self._answering else "miss"
        runtime.metrics.cache("response", result)
        answer = await self._answering.join(key, lambda: self._run(runtime, key, scope, receive))
        await answer.forward(send, result.encode())
        return result

    async def _run(
        self, runtime: HubRuntime, key: str, scope: Scope, receive: Receive
    ) -> _Captured:
        captured = _Captured()
        await self.app(scope, receive, captured.send)
        await self._keep(runtime, key, captured)
        return captured

    async def _kept(self, runtime: HubRuntime, key: str) -> bytes | None:
        """A kept answer: from this process when it has it, else from Redis."""
        recent = self._recent.get(key)
        if recent is not None and runtime.clock.time() < recent[0]:
            return recent[1]
        stored = await runtime.store.get(key)
        if stored is None:
            return None
        kept_until, _, body = stored.partition(b"\n")
        until = float(kept_until)
        if runtime.clock.time() >= until:  # the hub's clock decides, not Redis's expiry
            return None
        self._remember(key, until, body)
        return body

    async def _keep(self, runtime: HubRuntime, key: str, captured: _Captured) -> None:
        trace = CURRENT_TRACE.get()
        until = trace.keep_until() if trace is not None else None
        if until is None or not captured.shareable():
            return
        now = runtime.clock.time()
        until = min(until, now + runtime.settings.response_cache_max_seconds)
        ttl = until - now
        if ttl > 0:
            body = captured.body
            await runtime.store.set(key, b"%.3f\n%b" % (until, body), ttl)
            self._remember(key, until, body)

    def _remember(self, key: str, until: float, body: bytes) -> None:
        if len(body) <= RECENT_RESPONSE_BYTES // 16:
            self._recent[key] = (until, body)


async def _key(runtime: HubRuntime, scope: Scope) -> str | None:
    """The key of a request that may share its answer, read from the document the door
    parsed (nothing is parsed here); None for any other."""
    admission = graphql_call(scope).admission
    if admission is None or admission.principal.allows(Role.ADMIN) or admission.batched:
        return None
    if admission.in_parts():  # sent as it is made (@defer, @stream): never held whole
        return None
    if accepts_events(Headers(scope=scope)):  # a client reading events gets them as events
        return None
    [admitted] = admission.operations
    request, checked = admitted.request, admitted.checked
    if request.query is None or checked is None:
        return None
    if checked.operation.operation != OperationType.QUERY:
        return None
    query, document, chosen = request.query, checked.document, checked.operation
    operation = await sized_off_loop(len(query), operation_of, query, document, chosen)
    headers = Headers(scope=scope)
    name, variables = request.operation_name, request.variables
    lang = preferred_lang(headers.get("accept-language"), runtime.settings.default_lang)
    generations = runtime.generations
    # Every source's generation, as this replica knows it: a replica that missed an
    # invalidation keeps what it builds from old data under a key no one else asks for.
    sources = sorted(adapter.source for adapter in runtime.catalog.adapters)
    known = [await generations.current(source) for source in (EVERYTHING, *sources)]
    prefix = runtime.settings.cache_prefix
    audience = admission.principal.role.label
    return response_key(prefix, tuple(known), operation, name, variables, lang, audience)


def _marked(send: Send, result: bytes) -> Send:
    """``send`` with the cache result added to the response's headers."""

    async def marked(message: Message) -> None:
        if message["type"] == "http.response.start":
            response_headers(message).append(CACHE_HEADER.decode(), result.decode())
        await send(message)

    return marked


async def _send_json(send: Send, body: bytes, result: bytes) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (CACHE_HEADER, result),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass
class _Captured:
    """A response held back until it is known whether it may be kept."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def shareable(self) -> bool:
        """A 200 JSON answer without errors; a value that merely looks like an error key
        only costs a cache entry."""
        content_type = dict(self.headers).get(b"content-type", b"")
        body = self.body
        return (
            self.status == 200
            and content_type.startswith(b"application/json")
            and body.startswith(b"{")  # one operation's answer, never a batch's
            and len(body) <= MAX_CACHED_BODY
            and b'"errors":' not in body
        )

    async def forward(self, send: Send, result: bytes) -> None:
        headers = [*self.headers, (CACHE_HEADER, result)]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})
