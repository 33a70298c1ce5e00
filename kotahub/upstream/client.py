"""The shared way to reach upstreams: one httpx pool, a response cache, and per source a
deadline, retries and a circuit breaker."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from cachetools import LRUCache

from kotahub.clock import SYSTEM_CLOCK, Clock, utc_now
from kotahub.errors import SourceCircuitOpen, SourceError, SourcePayloadError
from kotahub.observability.metrics import HubMetrics
from kotahub.single_flight import SingleFlight
from kotahub.store.cache import ResponseStore
from kotahub.store.generations import Generations
from kotahub.upstream.attempt import Call
from kotahub.upstream.cache_control import CachePolicy, cache_policy
from kotahub.upstream.cache_keys import upstream_key
from kotahub.upstream.call import SourceCaller
from kotahub.upstream.deadline import detached, within_request_deadline
from kotahub.upstream.entry import CacheEntry
from kotahub.upstream.freshness_demand import too_old
from kotahub.upstream.oauth import TokenProvider
from kotahub.upstream.replica_flight import ReplicaFlight
from kotahub.upstream.skips import Skip, SkipLedger
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.source_status import SourceStatusRegistry
from kotahub.upstream.urls import ParamValue, located, normalized_url, resolve_link, shown
from kotahub.upstream.usage import SourceUse, record_use

log = logging.getLogger("kotahub.upstream")
T = TypeVar("T")

RECENT_ANSWER_BYTES = 32 * 1024 * 1024  # of upstream text; parsed, a few times that
RESOLVED_URLS = 1024  # a source's paths and links, resolved once each


@dataclass(frozen=True, slots=True)
class Fetched:
    """A parsed upstream answer, where and when it came from, and until when it is fresh."""

    source: str
    url: str
    body: Any
    fetched_at: datetime
    from_cache: bool
    stale: bool = False
    fresh_until: float | None = None  # seconds since the epoch; None: not cached
    # What adapters made of this answer (SourceSession.derived), kept as long as it is kept;
    # a copy that differs in from_cache alone shares it (nothing made reads that flag).
    derived: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)


class SourceClient:
    """Hands each adapter a session bound to its source, all sharing one pool and one cache."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        store: ResponseStore,
        key_prefix: str,
        *,
        metrics: HubMetrics | None = None,
        generations: Generations | None = None,
        flight: ReplicaFlight | None = None,
        statuses: SourceStatusRegistry | None = None,
        enabled: bool = True,
        default_stale_seconds: float = 600.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.http = http
        self.store = store
        self.key_prefix = key_prefix
        self.metrics = metrics or HubMetrics()
        self.statuses = statuses or SourceStatusRegistry(self.metrics, clock.monotonic)
        self.generations = generations
        self.flight = flight
        self.enabled = enabled
        self.default_stale_seconds = default_stale_seconds
        self.clock = clock
        # Concurrent misses for one key within this process share a single upstream call.
        self.fetches: SingleFlight[str, Fetched] = SingleFlight()
        # Fresh answers this process read lately, parsed: read again without Redis or JSON
        # decoding. A key names one generation, and its answer may be served until
        # fresh_until whichever replica fetched it, so no replica needs telling.
        self._recent: LRUCache[str, tuple[Fetched, int]] = LRUCache(
            maxsize=RECENT_ANSWER_BYTES, getsizeof=lambda kept: kept[1]
        )
        self.refreshes: SingleFlight[str, None] = SingleFlight()

    def session(self, settings: SourceSettings) -> SourceSession:
        tokens = None
        if settings.oauth is not None:
            tokens = TokenProvider(
                settings.name, settings.oauth, self.http, settings.timeout_seconds
            )
        status = self.statuses.register(settings)
        caller = SourceCaller(self.http, settings, status, self.metrics, tokens)
        return SourceSession(self, settings, caller, status.skips)

    async def key(self, source: str, url: str) -> str:
        generation = await self.generations.current(source) if self.generations else 0
        return upstream_key(self.key_prefix, source, generation, "GET", url)

    def recent_answer(self, key: str) -> Fetched | None:
        kept = self._recent.get(key)
        if kept is None or kept[0].fresh_until is None:
            return None
        return kept[0] if self.clock.time() < kept[0].fresh_until else None

    def remember(self, key: str, fetched: Fetched, size: int) -> Fetched:
        """Keep a fresh answer in process (its body is shared: adapters only read bodies)."""
        if size <= RECENT_ANSWER_BYTES // 8:
            self._recent[key] = (fetched, size)
        return fetched

    async def shared_fetch(self, key: str, fetch: Callable[[], Awaitable[Fetched]]) -> Fetched:
        """One fetch for every caller wanting ``key`` now. It is shared, so it keeps only the
        source's deadline; each caller waits for it as long as its own request allows."""
        return await self.fetches.join(key, lambda: detached(fetch))

    def refresh_soon(self, key: str, refresh: Callable[[], Awaitable[None]]) -> None:
        """Refresh a stale entry in the background, once however many requests see it; the
        refresh has the source's own deadline, not what is left of the request that saw it."""
        self.refreshes.start(key, lambda: detached(refresh))

    async def aclose(self) -> None:
        await self.refreshes.aclose()
        await self.fetches.aclose()


class SourceSession:
    """GETs JSON from one source, cached under the source's freshness rules."""

    def __init__(
        self,
        client: SourceClient,
        settings: SourceSettings,
        caller: SourceCaller,
        skips: SkipLedger,
    ) -> None:
        self._client = client
        self._skips = skips
        self.settings = settings
        self.name = settings.name
        self._caller = caller
        stale = settings.stale_seconds
        self._stale_seconds = client.default_stale_seconds if stale is None else stale
        self._resolved: LRUCache[tuple[str, str | None], str] = LRUCache(maxsize=RESOLVED_URLS)

    def report_skips(self, page: Fetched, skips: Sequence[Skip], total: int) -> None:
        """Say which of the ``total`` records of ``page`` could not be used, and why. Call it
        each time a page is read: it is counted and logged once per fetched page."""
        self._skips.report(page.url, page.fetched_at, skips, total)

    def derived(self, pages: Fetched | Sequence[Fetched], name: str, build: Callable[[], T]) -> T:
        """What ``build`` makes of these pages, made once per fetched page and kept with it:
        a warm request reuses the records instead of rebuilding them. ``name`` tells apart
        what an adapter makes of the same pages; ``build`` must read nothing but the pages
        and the adapter's settings, and what it makes is shared, so it must not be changed."""
        first, *rest = [pages] if isinstance(pages, Fetched) else pages
        key = (name, *map(id, rest))
        kept = first.derived.get(key)
        if kept is not None and all(a is b for a, b in zip(kept[0], rest, strict=True)):
            return kept[1]  # type: ignore[no-any-return]
        made = build()
        first.derived[key] = (rest, made)  # holding the pages keeps their ids unique
        return made

    def resolve(self, target: str, relative_to: str | None = None) -> str:
        """An absolute URL for a path under the base URL, or a link found on a page; a link
        may lead to the base URL's origin or to one of the source's ``extra_origins``."""
        key = (target, relative_to)
        url = self._resolved.get(key)
        if url is None:  # a link refused raises, and is not kept
            base, extra = str(self.settings.base_url), self.settings.extra_origins
            url = self._resolved[key] = resolve_link(self.name, base, target, relative_to, extra)
        return url

    async def get_json(
        self,
        target: str,
        params: Mapping[str, ParamValue] | None = None,
        *,
        relative_to: str | None = None,
        accept: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> Fetched:
        """The JSON at ``target``: fresh from the cache; stale from it while one refresh runs
        (or the upstream fails); else from the upstream, once for every waiting request."""
        url = self.resolve(target, relative_to)
        call = Call("GET", url, params, accept, headers=dict(headers or {}))
        if not self._client.enabled:
            fetched = await self._shared(url, call, lambda: self._fetch(call))
        else:
            key = await self._client.key(self.name, normalized_url(url, params))
            fetched = await self._cached(key, call)
        use = SourceUse(self.name, fetched.fetched_at, fetched.stale, fetched.fresh_until)
        record_use(use)
        return fetched

    async def _cached(self, key: str, call: Call) -> Fetched:
        client = self._client
        recent = client.recent_answer(key)
        if recent is not None and not too_old(recent.fetched_at.timestamp(), client.clock.time()):
            client.metrics.cache("upstream", "hit")
            return recent
        entry = await self._read(key)
        state = entry.freshness(client.clock.time()) if entry else "expired"
        if entry is not None and too_old(entry.fetched_at, client.clock.time()):
            client.metrics.cache("upstream", "miss")  # asked again: only whether it changed
            return await self._shared(key, call, lambda: self._fetch_and_store(key, call, entry))
        if entry is not None and state == "fallback":
            return await self._fetch_or_fall_back(key, call, entry)
        if entry is not None and state != "expired":
            client.metrics.cache("upstream", "hit" if state == "fresh" else "stale")
            if state == "stale":
                client.refresh_soon(key, lambda: self._refresh(key, call, entry))
                return self._from_entry(entry, stale=True)
            return client.remember(key, self._from_entry(entry, stale=False), len(entry.body))
        client.metrics.cache("upstream", "miss")
        return await self._shared(key, call, lambda: self._fill(key, call))

    async def _shared(
        self, key: str, call: Call, fetch: Callable[[], Awaitable[Fetched]]
    ) -> Fetched:
        """The answer of the one fetch of ``key`` that every caller shares, waited for only
        as long as this caller's request allows (the fetch goes on for the others)."""
        where = located(call.method, call.full_url())
        async with within_request_deadline(self.name, where):
            return await self._client.shared_fetch(key, fetch)

    async def _fetch_or_fall_back(self, key: str, call: Call, entry: CacheEntry) -> Fetched:
        """Past the window for serving stale while refreshing, but not past stale-if-error:
        ask the upstream now, and serve the stale answer only if it fails."""
        client = self._client
        try:
            fetched = await self._shared(key, call, lambda: self._fill(key, call, entry))
        except SourceError as exc:
            client.metrics.cache("upstream", "stale")
            log.log(
                _level(exc),
                "source %s: serving a stale answer, the upstream failed: %s",
                self.name,
                exc,
            )
            return self._from_entry(entry, stale=True)
        client.metrics.cache("upstream", "miss")
        return fetched

    async def _fill(self, key: str, call: Call, known: CacheEntry | None = None) -> Fetched:
        """A miss: of the replicas sharing Redis, one asks the upstream (only whether ``known``
        changed, when it can say); the others read its answer from the cache."""
        flight = self._client.flight
        if flight is None:
            return await self._fetch_and_store(key, call, known)
        lead = await flight.lead(key, self.settings.timeout_seconds + 1.0, lambda: self._ready(key))
        try:
            # Read again even when leading: another replica may have fetched it and let go
            # of the lock between this process's miss and its taking the lock.
            entry = await self._read(key)
            if entry is not None and entry.freshness(self._client.clock.time()) == "fresh":
                return self._client.remember(key, self._from_entry(entry, False), len(entry.body))
            return await self._fetch_and_store(key, call, known)
        finally:
            await lead.release()

    async def _ready(self, key: str) -> bool:
        entry = await self._read(key)
        return entry is not None and entry.freshness(self._client.clock.time()) == "fresh"

    async def _refresh(self, key: str, call: Call, entry: CacheEntry) -> None:
        """Replace a stale entry, asking only whether it changed when the upstream can say;
        if the upstream fails, the stale entry goes on being served until its window ends."""
        flight = self._client.flight

        async def refreshed() -> bool:  # by another replica, while this one waited
            now = await self._read(key)
            return now is not None and now.fetched_at > entry.fetched_at

        hold = self.settings.timeout_seconds + 1.0
        lead = await flight.lead(key, hold, refreshed) if flight else None
        if lead is not None and (not lead.fetch or await refreshed()):
            await lead.release()
            return
        try:
            await self._fetch_and_store(key, call, entry)
        except SourceError as exc:
            log.log(
                _level(exc),
                "source %s: refresh failed, serving the stale answer: %s",
                self.name,
                exc,
            )
        finally:
            if lead is not None:
                await lead.release()

    async def probe(
        self,
        target: str = "",
        params: Mapping[str, ParamValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Reach the source without the cache; raise a SourceError when it does not answer."""
        call = Call("GET", self.resolve(target), params, headers=dict(headers or {}))
        await self._caller.call(call, parse=False)

    async def _fetch(self, call: Call) -> Fetched:
        answer = await self._caller.call(call)
        now = utc_now(self._client.clock)
        return Fetched(self.name, str(answer.response.url), answer.body, now, False)

    async def _fetch_and_store(
        self, key: str, call: Call, known: CacheEntry | None = None
    ) -> Fetched:
        """Ask the upstream (only whether ``known`` changed, when it can say) and keep the
        answer for as long as its freshness rules allow."""
        if known is not None and known.revalidatable:
            call = replace(call, headers={**call.headers, **known.conditional_headers()})
        answer = await self._caller.call(call, not_modified_ok=known is not None)
        response = answer.response
        policy = cache_policy(
            response.headers.get("cache-control"), self.settings.ttl_seconds, self._stale_seconds
        )
        if response.status_code == 304 and known is not None:
            self._client.metrics.revalidations.labels(self.name, "not_modified").inc()
            entry = self._entry(known.url, known.body, policy, response, known)
        else:
            if known is not None and known.revalidatable:
                self._client.metrics.revalidations.labels(self.name, "modified").inc()
            body = answer.body
            entry = self._entry(str(response.url), response.text, policy, response)
            if not policy.cacheable:
                return Fetched(self.name, entry.url, body, _at(entry.fetched_at), False)
        if policy.cacheable:
            ttl = entry.stale_until - self._client.clock.time()
            await self._client.store.set(key, entry.encode(), ttl)
        fetched = self._from_entry(entry, stale=False, from_cache=False)
        self._client.remember(key, replace(fetched, from_cache=True), len(entry.body))
        return fetched

    def _entry(
        self,
        url: str,
        body: str,
        policy: CachePolicy,
        response: httpx.Response,
        known: CacheEntry | None = None,
    ) -> CacheEntry:
        now = self._client.clock.time()
        fresh_until = now + policy.fresh_seconds
        return CacheEntry(
            url=url,
            body=body,
            fetched_at=now,
            fresh_until=fresh_until,
            stale_until=fresh_until + policy.stale_seconds,
            etag=response.headers.get("etag") or (known.etag if known else None),
            last_modified=response.headers.get("last-modified")
            or (known.last_modified if known else None),
            revalidate_until=fresh_until + policy.serve_while_revalidating,
        )

    async def fresh_json(self, target: str, params: Mapping[str, ParamValue] | None = None) -> Any:
        """The JSON at ``target`` straight from the upstream, for answers that must not be
        cached (a token that turns into an id, say)."""
        return (await self._caller.call(Call("GET", self.resolve(target), params))).body

    async def post_form(
        self,
        target: str,
        form: Mapping[str, str | list[str]],
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """POST a form and return the parsed JSON answer; never cached, never retried here."""
        call = Call("POST", self.resolve(target), form=form, headers=dict(headers or {}))
        return (await self._caller.call(call)).body

    async def _read(self, key: str) -> CacheEntry | None:
        raw = await self._client.store.get(key)
        if raw is None:
            return None
        entry = CacheEntry.decode(raw)
        if entry is None:
            log.warning("ignoring an unreadable cache entry for source %s", self.name)
        return entry

    def _from_entry(self, entry: CacheEntry, stale: bool, from_cache: bool = True) -> Fetched:
        try:
            body = json.loads(entry.body)
        except ValueError as exc:  # only a damaged entry: what was stored had been parsed
            raise SourcePayloadError(
                self.name, f"a cached answer of {shown(entry.url)} is damaged"
            ) from exc
        fetched_at = _at(entry.fetched_at)
        return Fetched(self.name, entry.url, body, fetched_at, from_cache, stale, entry.fresh_until)


def _level(failure: SourceError) -> int:
    """An open breaker was logged when it opened; not again for every answer served stale."""
    return logging.DEBUG if isinstance(failure, SourceCircuitOpen) else logging.WARNING


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
