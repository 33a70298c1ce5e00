"""A GeoJSON upstream whose freshness headers, answers and failures a test sets as it goes."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.compression_bombs import gzip_bomb

CHUNK = 16 * 1024


@dataclass
class Behaviour:
    """What the upstream does now; the test changes it between requests."""

    cache_control: str = "max-age=1"
    etag: bool = True
    version: int = 1
    failing: bool = False
    failure_status: int = 503
    fail_next: int = 0  # answer this many requests with failure_status, then as usual
    retry_after: str | None = None  # sent with each failure
    delay_seconds: float = 0.0
    held: bool = False  # answer nothing until the test lets go (or stops)
    hang_seconds: float = 0.0  # answer nothing for this long (until the client goes away)
    drip_seconds: float = 0.0  # send the answer one byte at a time, this long apart
    huge_bytes: int = 0  # pad the answer to this size
    announce_length: bool = True  # with Content-Length; else chunked
    gzipped: bool = False  # send the answer compressed, with Content-Encoding: gzip
    gzip_bomb_mib: int = 0  # send a gzip stream of this many MiB of zeros (a few KB a MiB)
    content_encoding: str | None = None  # claim this Content-Encoding for a plain answer
    pages: int = 0  # link each page to the next (?page=2, …) up to this many pages
    garbage: bytes | None = None  # answer these bytes as application/json
    stopped: bool = False  # set when the test ends: whatever hangs or drips gives up
    seen: list[tuple[str, str | None]] = field(default_factory=list)  # path, If-None-Match
    methods: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # time.monotonic() of each request
    accept_encodings: list[str | None] = field(default_factory=list)
    traceparents: list[str | None] = field(default_factory=list)

    def requests(self, path: str = "/items") -> int:
        return sum(1 for seen_path, _ in self.seen if seen_path == path)


def controlled_upstream(behaviour: Behaviour) -> Starlette:
    async def items(request: Request) -> Response:
        behaviour.seen.append((request.url.path, request.headers.get("if-none-match")))
        behaviour.methods.append(request.method)
        behaviour.times.append(time.monotonic())
        behaviour.accept_encodings.append(request.headers.get("accept-encoding"))
        behaviour.traceparents.append(request.headers.get("traceparent"))
        if behaviour.delay_seconds:
            await asyncio.sleep(behaviour.delay_seconds)
        if behaviour.held:
            await _held(behaviour)
        if behaviour.hang_seconds:
            await _hang(request, behaviour)
        if behaviour.fail_next > 0:
            behaviour.fail_next -= 1
            return _failure(behaviour)
        if behaviour.failing:
            return _failure(behaviour)
        return _answer(request, behaviour)

    return Starlette(routes=[Route("/items", items, methods=["GET", "POST"])])


async def _hang(request: Request, behaviour: Behaviour) -> None:
    ends = time.monotonic() + behaviour.hang_seconds
    while time.monotonic() < ends and not behaviour.stopped:
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.05)


async def _held(behaviour: Behaviour) -> None:
    """Polled: the test lets go from another thread, with another event loop."""
    while behaviour.held:
        if behaviour.stopped:
            return
        await asyncio.sleep(0.01)


def _failure(behaviour: Behaviour) -> Response:
    headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else None
    body = {"error": "maintenance"}
    return JSONResponse(body, status_code=behaviour.failure_status, headers=headers)


def _answer(request: Request, behaviour: Behaviour) -> Response:
    headers = {"Cache-Control": behaviour.cache_control}
    if behaviour.garbage is not None:
        return Response(behaviour.garbage, headers=headers, media_type="application/json")
    if behaviour.gzip_bomb_mib:
        headers["Content-Encoding"] = "gzip"
        bomb = gzip_bomb(behaviour.gzip_bomb_mib, lambda: behaviour.stopped)
        return StreamingResponse(bomb, headers=headers, media_type="application/json")
    etag = f'"v{behaviour.version}"'
    if behaviour.etag:
        headers["ETag"] = etag
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
    page = int(request.query_params.get("page", "1"))
    collection = _collection(behaviour.version, behaviour.huge_bytes, page)
    if page < behaviour.pages:
        collection["links"] = [{"rel": "next", "href": f"/items?page={page + 1}"}]
    body = json.dumps(collection).encode()
    if behaviour.content_encoding:
        headers["Content-Encoding"] = behaviour.content_encoding
    if behaviour.drip_seconds:
        return StreamingResponse(_drip(body, behaviour), headers=headers)
    if behaviour.gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(gzip.compress(body), headers=headers, media_type="application/json")
    if behaviour.huge_bytes and not behaviour.announce_length:
        return StreamingResponse(_chunks(body), headers=headers, media_type="application/json")
    return Response(body, headers=headers, media_type="application/json")


async def _drip(body: bytes, behaviour: Behaviour) -> AsyncIterator[bytes]:
    for index in range(len(body)):
        if behaviour.stopped:
            return
        yield body[index : index + 1]
        await asyncio.sleep(behaviour.drip_seconds)


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]
        await asyncio.sleep(0)


def _collection(version: int, size: int = 0, page: int = 1) -> dict[str, object]:
    feature = {
        "type": "Feature",
        "id": "pantai-uji" if page == 1 else f"pantai-uji-{page}",
        "geometry": {"type": "Point", "coordinates": [116.9, -1.2]},
        "properties": {"name": f"Pantai Uji v{version}", "category": "beach"},
    }
    collection: dict[str, object] = {"type": "FeatureCollection", "features": [feature]}
    if size:
        collection["padding"] = "x" * size
    return collection
