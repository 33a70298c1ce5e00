"""The shared way to reach upstreams: one httpx pool, a response cache and per-source timeouts."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from kotahub.hub.cache import ResponseStore
from kotahub.hub.cache_keys import upstream_key
from kotahub.hub.errors import (
    SourceError,
    SourceHTTPError,
    SourcePayloadError,
    SourceTimeout,
    SourceUnavailable,
)
from kotahub.hub.freshness import cache_ttl
from kotahub.hub.oauth import TokenProvider
from kotahub.hub.settings import SourceSettings
from kotahub.hub.upstream_urls import ParamValue, normalized_url, resolve_link, shown

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
        tokens = None
        if settings.oauth is not None:
            tokens = TokenProvider(
                settings.name, settings.oauth, self.http, settings.timeout_seconds
            )
        return SourceSession(self, settings, tokens)


class SourceSession:
    """GETs JSON from one source, cached under the source's TTL rules."""

    def __init__(
        self, client: SourceClient, settings: SourceSettings, tokens: TokenProvider | None = None
    ) -> None:
        self._client = client
        self.settings = settings
        self.name = settings.name
        self._tokens = tokens

    def resolve(self, target: str, relative_to: str | None = None) -> str:
        """An absolute URL for a path under the base URL, or a link found on a page."""
        return resolve_link(self.name, str(self.settings.base_url), target, relative_to)

    async def get_json(
        self,
        target: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        relative_to: str | None = None,
        accept: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """The JSON at ``target``: from the cache when fresh, else from the upstream (once)."""
        url = self.resolve(target, relative_to)
        key = upstream_key(self._client.key_prefix, self.name, "GET", normalized_url(url, params))
        cached = await self._client.store.get(key)
        if cached is not None:
            hit = self._from_cache(cached)
            if hit is not None:
                return hit
        inflight = self._client.inflight
        task = inflight.get(key)
        if task is None:
            call = Call("GET", url, params, accept, headers=dict(headers or {}))
            task = asyncio.create_task(self._fetch_and_store(call, key))
            inflight[key] = task
            task.add_done_callback(lambda done: _settle(inflight, key, done))
        return await asyncio.shield(task)

    async def probe(
        self,
        target: str = "",
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Reach the source without the cache; raise a SourceError when it does not answer."""
        await self._request(Call("GET", self.resolve(target), params, headers=dict(headers or {})))

    async def _fetch_and_store(self, call: Call, key: str) -> Fetched:
        response = await self._request(call)
        body = self._parse(response)
        page_url = str(response.url)
        fetched = Fetched(self.name, page_url, body, datetime.now(UTC), from_cache=False)
        ttl = cache_ttl(response.headers.get("cache-control"), self.settings.ttl_seconds)
        if ttl > 0:
            entry = {
                "url": page_url,
                "body": response.text,
                "fetched_at": fetched.fetched_at.timestamp(),
            }
            await self._client.store.set(key, json.dumps(entry).encode(), ttl)
        return fetched

    async def fresh_json(self, target: str, params: Mapping[str, ParamValue] | None = None) -> Any:
        """The JSON at ``target`` straight from the upstream, for answers that must not be
        cached (a token that turns into an id, say)."""
        return self._parse(await self._request(Call("GET", self.resolve(target), params)))

    async def post_form(
        self,
        target: str,
        form: Mapping[str, str | list[str]],
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """POST a form and return the parsed JSON answer; never cached, never retried here."""
        call = Call("POST", self.resolve(target), form=form, headers=dict(headers or {}))
        return self._parse(await self._request(call))

    async def _request(self, call: Call) -> httpx.Response:
        """One call; with OAuth, a refused token is replaced and the call tried once more."""
        token = await self._bearer()
        response = await self._send(call, token)
        if response.status_code == 401 and self._tokens is not None and token is not None:
            self._tokens.forget(token)
            response = await self._send(call, await self._bearer())
        if response.status_code >= 300:
            where = f"{call.method} {shown(str(response.url))}"
            raise _status_error(self.name, where, response)
        return response

    async def _bearer(self) -> str | None:
        if self._tokens is not None:
            return await self._tokens.token()
        return self.settings.token.get_secret_value() if self.settings.token else None

    async def _send(self, call: Call, token: str | None) -> httpx.Response:
        headers = {"Accept": call.accept, **call.headers}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        timeout = self.settings.timeout_seconds
        request = self._client.http.build_request(
            call.method, call.full_url(), headers=headers, data=call.form, timeout=timeout
        )
        where = f"{call.method} {shown(str(request.url))}"
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                response = await self._client.http.send(request)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise SourceTimeout(self.name, f"{where} got no answer within {timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise SourceUnavailable(
                self.name, f"{where} failed: {type(exc).__name__} ({exc or 'no detail'})"
            ) from exc
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("%s %s -> %s in %.1f ms", self.name, where, response.status_code, elapsed_ms)
        return response

    def _parse(self, response: httpx.Response) -> Any:
        try:
            return json.loads(response.content)
        except ValueError as exc:
            kind = response.headers.get("content-type", "no content type")
            raise SourcePayloadError(
                self.name,
                f"GET {shown(str(response.url))} answered with content that is not valid JSON "
                f"({kind})",
            ) from exc

    def _from_cache(self, raw: bytes) -> Fetched | None:
        try:
            entry = json.loads(raw)
            body = json.loads(entry["body"])
            fetched_at = datetime.fromtimestamp(float(entry["fetched_at"]), UTC)
            url = str(entry["url"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring an unreadable cache entry for source %s", self.name)
            return None
        return Fetched(self.name, url, body, fetched_at, from_cache=True)


@dataclass(frozen=True, slots=True)
class Call:
    """One request to an upstream."""

    method: str
    url: str
    params: Mapping[str, ParamValue] | None = None
    accept: str = "application/json"
    form: Mapping[str, str | list[str]] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def full_url(self) -> httpx.URL:
        # Merged by hand: httpx would replace the URL's own query with ``params``.
        url = httpx.URL(self.url)
        return url.copy_merge_params(dict(self.params)) if self.params else url


def _settle(
    inflight: dict[str, asyncio.Task[Fetched]], key: str, done: asyncio.Task[Fetched]
) -> None:
    """Forget a finished fetch; reading its outcome keeps asyncio from warning when every
    waiter was cancelled before it finished."""
    inflight.pop(key, None)
    if not done.cancelled():
        done.exception()


def _status_error(source: str, where: str, response: httpx.Response) -> SourceError:
    status = response.status_code
    if status < 400:
        moved_to = shown(response.headers.get("location", "nowhere"))
        message = f"{where} answered HTTP {status}, a redirect to {moved_to}; "
        message += "configure the source's base_url with the final address"
    else:
        message = f"{where} answered HTTP {status}"
    return SourceHTTPError(source, status, message, body=response.text[:ERROR_BODY_LIMIT])
