"""Whole responses of anonymous queries, kept as long as the data they were built from.

Wraps the GraphQL endpoint. A request that may share its answer (a query, not a mutation;
no API key; the same document, variables and language as another) is answered from
Redis when it can be, skipping GraphQL execution altogether. Otherwise it runs as usual,
and its answer is kept when it has no errors and used no stale data, for as long as the
least fresh of the upstream answers it used, at most ``response_cache_max_seconds``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kotahub.concurrency import sized_off_loop
from kotahub.hub.graphql.response_key import operation_of, response_key
from kotahub.hub.http.language import preferred_lang
from kotahub.hub.http.replies import read_replayed, replay
from kotahub.hub.http.wrapper import HttpWrapper
from kotahub.hub.runtime import HubRuntime
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
        self._running: dict[str, asyncio.Future[_Captured]] = {}
        # Answers this process kept or read lately, until they expire: a hit costs no Redis
        # round trip. Keys carry the generation of whole responses, so invalidation reaches
        # them too.
        self._recent: LRUCache[str, tuple[float, bytes]] = LRUCache(
            maxsize=RECENT_RESPONSE_BYTES, getsizeof=lambda kept: len(kept[1])
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime: HubRuntime = scope["app"].state.runtime
        started = time.perf_counter()
        # The gate read the client's body under max_body_bytes and hands on the request
        # written anew, which may be a little longer: cutting it here would lose it.
        body = await read_replayed(receive)
        token = CURRENT_TRACE.set(CURRENT_TRACE.get() or RequestTrace())  # GraphQLAccess's
        try:
            with request_deadline(runtime.settings.request_timeout_seconds):
                result = await self._answer(runtime, scope, body, send)
        finally:
            CURRENT_TRACE.reset(token)
        runtime.metrics.request_latency.labels(result).observe(time.perf_counter() - started)

    async def _answer(self, runtime: HubRuntime, scope: Scope, body: bytes, send: Send) -> str:
        key = await _key(runtime, scope) if runtime.settings.response_cache else None
        if key is None:
            runtime.metrics.cache("response", "bypass")
            await self.app(scope, replay(body), _marked(send, b"bypass"))
            return "bypass"
        cached = await self._kept(runtime, key)
        if cached is not None:
            runtime.metrics.cache("response", "hit")
            await _send_json(send, cached, b"hit")
            return "hit"
        running = self._running.get(key)
        if running is not None:  # the same question is being answered: share that answer
            runtime.metrics.cache("response", "shared")
            await (await asyncio.shield(running)).forward(send, b"shared")
            return "shared"
        runtime.metrics.cache("response", "miss")
        running = asyncio.ensure_future(self._run(runtime, key, scope, body))
        self._running[key] = running
        running.add_done_callback(lambda done: _settled(self._running, key, done))
        await (await asyncio.shield(running)).forward(send, b"miss")
        return "miss"

    async def _run(self, runtime: HubRuntime, key: str, scope: Scope, body: bytes) -> _Captured:
        captured = _Captured()
        await self.app(scope, replay(body), captured.send)
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


def _settled(running: dict[str, asyncio.Future[_Captured]], key: str, done: Any) -> None:
    """Forget a finished answer; reading its outcome keeps asyncio from warning when every
    request waiting for it went away."""
    running.pop(key, None)
    if not done.cancelled():
        done.exception()


async def _key(runtime: HubRuntime, scope: Scope) -> str | None:
    admitted = scope.get("state", {}).get("admitted")
    if admitted is None or not admitted.principal.anonymous or admitted.batched:
        return None
    request = admitted.operations[0]
    if request.query is None:
        return None
    headers = Headers(scope=scope)
    name, variables = request.operation_name, request.variables
    operation = await sized_off_loop(len(request.query), operation_of, request.query, name)
    if operation is None or not operation.is_query:
        return None
    lang = preferred_lang(headers.get("accept-language"), runtime.settings.default_lang)
    generations = runtime.generations
    # Every source's generation, as this replica knows it: a replica that missed an
    # invalidation keeps what it builds from old data under a key no one else asks for.
    sources = sorted(adapter.source for adapter in runtime.catalog.adapters)
    known = [await generations.current(source) for source in (EVERYTHING, *sources)]
    prefix = runtime.settings.cache_prefix
    return response_key(prefix, tuple(known), operation, name, variables, lang)


def _marked(send: Send, result: bytes) -> Send:
    """``send`` with the cache result added to the response's headers."""

    async def marked(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", []), (CACHE_HEADER, result)]
            message = {**message, "headers": headers}
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
