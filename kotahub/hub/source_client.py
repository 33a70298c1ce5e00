"""The shared way to reach upstreams: one httpx pool, a response cache and per-source timeouts."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from kotahub.hub.cache import ResponseStore
from kotahub.hub.cache_keys import ParamValue, normalized_url, upstream_key
from kotahub.hub.errors import (
    SourceError,
    SourceHTTPError,
    SourcePayloadError,
    SourceTimeout,
    SourceUnavailable,
)
from kotahub.hub.freshness import cache_ttl
from kotahub.hub.settings import SourceSettings

log = logging.getLogger("kotahub.upstream")

ERROR_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class Fetched:
    """A parsed upstream answer and where and when it came from."""

    source: str
    url: str
    body: Any
    fetched_at: datetime
    from_cache: bool
    stale: bool = False


class SourceClient:
    """Hands each adapter a session bound to its source, all sharing one pool and one cache."""

    def __init__(self, http: httpx.AsyncClient, store: ResponseStore, key_prefix: str) -> None:
        self.http = http
        self.store = store
        self.key_prefix = key_prefix
        # Concurrent misses for one key within this process share a single upstream call.
        self.inflight: dict[str, asyncio.Task[Fetched]] = {}

    def session(self, settings: SourceSettings) -> SourceSession:
        return SourceSession(self, settings)


class SourceSession:
    """GETs JSON from one source, cached under the source's TTL rules."""

    def __init__(self, client: SourceClient, settings: SourceSettings) -> None:
        self._client = client
        self.settings = settings
        self.name = settings.name

    def resolve(self, target: str) -> str:
        """An absolute URL for a path under the base URL, or a link the source gave us."""
        base = str(self.settings.base_url)
        if not target:
            return base
        url = urljoin(base if base.endswith("/") else base + "/", target)
        if _origin(url) != _origin(base):
            raise SourcePayloadError(
                self.name, f"link {target!r} leaves the source's origin {_origin(base)}"
            )
        return url

    async def get_json(
        self,
        target: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        accept: str = "application/json",
    ) -> Fetched:
        """The JSON at ``target``: from the cache when fresh, else from the upstream (once)."""
        url = normalized_url(self.resolve(target), params)
        key = upstream_key(self._client.key_prefix, self.name, "GET", url)
        cached = await self._client.store.get(key)
        if cached is not None:
            hit = self._from_cache(url, cached)
            if hit is not None:
                return hit
        inflight = self._client.inflight
        task = inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch_and_store(url, key, accept))
            inflight[key] = task
            task.add_done_callback(lambda _t: inflight.pop(key, None))
        return await asyncio.shield(task)

    async def probe(self, target: str = "") -> None:
        """Reach the source without the cache; raise a SourceError when it does not answer."""
        await self._request(self.resolve(target), "application/json")

    async def _fetch_and_store(self, url: str, key: str, accept: str) -> Fetched:
        response = await self._request(url, accept)
        body = self._parse(url, response)
        fetched = Fetched(self.name, url, body, datetime.now(UTC), from_cache=False)
        ttl = cache_ttl(response.headers.get("cache-control"), self.settings.ttl_seconds)
        if ttl > 0:
            entry = {"body": response.text, "fetched_at": fetched.fetched_at.timestamp()}
            await self._client.store.set(key, json.dumps(entry).encode(), ttl)
        return fetched

    async def _request(self, url: str, accept: str) -> httpx.Response:
        headers = {"Accept": accept}
        if self.settings.token is not None:
            headers["Authorization"] = f"Bearer {self.settings.token.get_secret_value()}"
        timeout = self.settings.timeout_seconds
        path = _path(url)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                response = await self._client.http.get(url, headers=headers, timeout=timeout)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise SourceTimeout(self.name, f"GET {path} got no answer within {timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise SourceUnavailable(
                self.name, f"GET {path} failed: {type(exc).__name__} ({exc or 'no detail'})"
            ) from exc
        log.debug(
            "GET %s %s -> %s in %.1f ms",
            self.name,
            path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        if response.status_code >= 400:
            raise _http_error(self.name, path, response)
        return response

    def _parse(self, url: str, response: httpx.Response) -> Any:
        try:
            return json.loads(response.content)
        except ValueError as exc:
            kind = response.headers.get("content-type", "no content type")
            raise SourcePayloadError(
                self.name, f"GET {_path(url)} answered with content that is not valid JSON ({kind})"
            ) from exc

    def _from_cache(self, url: str, raw: bytes) -> Fetched | None:
        try:
            entry = json.loads(raw)
            body = json.loads(entry["body"])
            fetched_at = datetime.fromtimestamp(float(entry["fetched_at"]), UTC)
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring an unreadable cache entry for source %s", self.name)
            return None
        return Fetched(self.name, url, body, fetched_at, from_cache=True)


def _http_error(source: str, path: str, response: httpx.Response) -> SourceError:
    status = response.status_code
    return SourceHTTPError(
        source, status, f"GET {path} answered HTTP {status}", body=response.text[:ERROR_BODY_LIMIT]
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
