"""The hub's long-lived parts: one httpx pool, one Redis client, the store and the adapters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from kotahub.adapters.catalog import Catalog
from kotahub.adapters.registry import adapter_factory, build_adapter, check_kinds
from kotahub.clock import SYSTEM_CLOCK, Clock
from kotahub.errors import ConfigError
from kotahub.hub.cache_admin import invalidations_channel
from kotahub.hub.embedded import embedded_sources
from kotahub.hub.emergency_numbers import EmergencyContactSettings
from kotahub.hub.http.operation import operation_names
from kotahub.hub.policy.live_limits import LiveLimits
from kotahub.hub.policy.persisted_queries import PersistedQueries, load_manifest
from kotahub.hub.policy.persisted_store import DocumentBounds, PersistedDocuments
from kotahub.hub.policy.rate_limit_storage import shared_counts
from kotahub.hub.policy.rate_limits import RateLimits
from kotahub.hub.settings import Settings
from kotahub.observability.loop_lag import LoopLag
from kotahub.observability.metrics import HubMetrics
from kotahub.outbox.delivery import DeliveryTiming, DeliveryWorker
from kotahub.outbox.store import Outbox
from kotahub.records import EmergencyContact, LocalizedText
from kotahub.redaction import redact_url
from kotahub.resolvers.complaint_interests import Interests
from kotahub.resolvers.complaint_watch import ComplaintWatcher
from kotahub.resolvers.index_cache import IndexCache
from kotahub.resolvers.live_feeds import LiveFeeds
from kotahub.resolvers.scope import CityBounds, ComplaintRules
from kotahub.resolvers.source_changes import SourceChanges
from kotahub.store.cache import FallbackStore, MemoryStore, RedisStore
from kotahub.store.durability import warn_if_complaints_at_risk
from kotahub.store.events import EventStream
from kotahub.store.generations import Generations
from kotahub.store.invalidation_listener import listen_for_invalidations
from kotahub.store.redis_connection import (
    RedisClient,
    close_redis,
    connect_redis,
    parse_redis_url,
)
from kotahub.upstream.client import SourceClient
from kotahub.upstream.replica_flight import ReplicaFlight
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.source_status import SourceStatusRegistry

log = logging.getLogger("kotahub")

USER_AGENT = "KotaHub/0.1 (+city data gateway)"
REDIS_CONNECTIONS = 256
POLL_MS = 250
SOURCE_LOOK_SECONDS = 1.0  # how often each replica compares its sources' states


@dataclass(kw_only=True)
class HubRuntime:
    """Created in the app's lifespan and closed with it."""

    settings: Settings
    http: httpx.AsyncClient
    redis: RedisClient
    store: FallbackStore
    client: SourceClient
    catalog: Catalog
    outbox: Outbox
    metrics: HubMetrics
    generations: Generations
    rate_limits: RateLimits
    persisted: PersistedQueries
    live: LiveFeeds  # events, who follows what, for subscriptions
    live_limits: LiveLimits
    emergency_contacts: tuple[EmergencyContact, ...] = ()
    clock: Clock = SYSTEM_CLOCK
    cache_redis: RedisClient | None = None  # the caches' own Redis (cache_redis_url), if any
    readiness_memo: tuple[float, dict[str, Any]] | None = None
    indexes: IndexCache[Any] = field(default_factory=IndexCache)
    _live_tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _worker: asyncio.Task[None] | None = None
    _listener: asyncio.Task[None] | None = None
    _lag_watch: asyncio.Task[None] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Set when the server begins to shut down: live streams end so that clients resubscribe.
    draining: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def source_statuses(self) -> SourceStatusRegistry:
        """Each source's circuit breaker and last outcomes, as this process sees them."""
        return self.client.statuses

    @property
    def complaint_rules(self) -> ComplaintRules:
        days = self.settings.complaint_service_level_days
        return ComplaintRules(timedelta(days=days), CityBounds(*self.settings.city_bounds))

    def start_listening(self) -> None:
        """Hear other replicas' cache invalidations as soon as they happen."""
        if self._listener is None:
            channel = invalidations_channel(self.settings.cache_prefix)
            redis = self.cache_redis or self.redis
            listening = listen_for_invalidations(redis, channel, self.generations, self._stop)
            self._listener = asyncio.create_task(listening)

    def start_watching_loop(self) -> None:
        """Measure how long work holds the event loop at a stretch, for /metrics."""
        if self._lag_watch is None:
            lag = LoopLag(self.clock.monotonic)
            self.metrics.loop_lag.labels(clock="wall").set_function(lag.wall.worst)
            self.metrics.loop_lag.labels(clock="cpu").set_function(lag.cpu.worst)
            self._lag_watch = asyncio.create_task(lag.watch())

    def start_live(self) -> None:
        """The watcher of followed complaints, and telling other replicas of sources' changes."""
        if self._live_tasks:
            return
        settings = self.settings
        watcher = ComplaintWatcher(
            self.catalog,
            self.outbox,
            self.live,
            self.redis,
            prefix=settings.cache_prefix,
            poll_seconds=settings.live_poll_seconds,
            metrics=self.metrics.live,
        )
        changes = SourceChanges(self.source_statuses, self.live.events, self.metrics.live)
        self._live_tasks = [
            asyncio.create_task(watcher.run(self._stop), name="kotahub watcher"),
            asyncio.create_task(
                changes.run(self._stop, SOURCE_LOOK_SECONDS), name="kotahub sources"
            ),
        ]

    def start_delivery(self) -> None:
        """Run the complaint delivery worker in this process, if there is anything to deliver."""
        if self.catalog.complaints and self._worker is None:
            # A blocking read must end well within the Redis command timeout, and soon
            # enough that stopping the hub does not wait on it.
            poll_ms = min(POLL_MS, max(10, int(self.settings.redis_timeout_seconds * 500)))
            timing = DeliveryTiming(
                self.settings.delivery_retry_seconds, self._reclaim_seconds(), poll_ms
            )
            worker = DeliveryWorker(
                self.outbox, self.catalog, timing, self.metrics, self.live.events
            )
            self._worker = asyncio.create_task(worker.run(self._stop))

    def _reclaim_seconds(self) -> float:
        """Long enough that a live worker's post can never look like a dead worker's."""
        longest = max(a.timeout_seconds for a in active_sources(self.settings))
        wanted = self.settings.delivery_reclaim_seconds
        if wanted < 2 * longest:
            log.warning(
                "delivery_reclaim_seconds raised from %g to %g: twice the longest source timeout",
                wanted,
                2 * longest,
            )
        return max(wanted, 2 * longest)

    async def aclose(self) -> None:
        self._stop.set()
        if self._worker is not None:
            await self._worker
        await asyncio.gather(*self._live_tasks, return_exceptions=True)
        await self.live.events.aclose()
        if self._listener is not None:
            self._listener.cancel()  # it may be waiting up to a second for a message
            await asyncio.gather(self._listener, return_exceptions=True)
        if self._lag_watch is not None:
            self._lag_watch.cancel()
            await asyncio.gather(self._lag_watch, return_exceptions=True)
        await self.client.aclose()
        await self.http.aclose()
        await close_redis(self.redis)
        if self.cache_redis is not None:
            await close_redis(self.cache_redis)


def active_sources(settings: Settings) -> tuple[SourceSettings, ...]:
    """The configured sources, or the embedded reference upstreams when none are."""
    return settings.sources or embedded_sources(settings)


def check_sources(settings: Settings) -> None:
    """Fail before start-up when a source names an unknown or unusable kind, or bad options."""
    check_kinds()
    for source in active_sources(settings):
        adapter_factory(source)


async def start_runtime(
    settings: Settings,
    mounts: dict[str, httpx.AsyncBaseTransport] | None = None,
    manifest: Mapping[str, str] | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> HubRuntime:
    """Open the pool and Redis, pick the cache, build every adapter; logs which cache is used.
    ``manifest``: the persisted operations, when already read from persisted_queries_file;
    ``clock``: the time by which cached answers age, generations are reread and breakers reset."""
    http = httpx.AsyncClient(
        mounts=mounts,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        follow_redirects=False,
    )
    redis = _connect_redis(settings.redis_url, settings, "redis_url")
    cache_redis = _connect_cache_redis(settings)
    store = await _open_store(cache_redis or redis, settings, clock)
    metrics = HubMetrics()
    channel = invalidations_channel(settings.cache_prefix)
    generations = Generations(store, settings.cache_prefix, clock=clock.monotonic, channel=channel)
    client = SourceClient(
        http,
        store,
        key_prefix=settings.cache_prefix,
        metrics=metrics,
        generations=generations,
        # It waits for other replicas' upstream calls, which take real time: not on ``clock``.
        flight=ReplicaFlight(store),
        statuses=SourceStatusRegistry(metrics, clock.monotonic),
        enabled=settings.upstream_cache,
        default_stale_seconds=settings.stale_seconds,
        clock=clock,
    )
    catalog = Catalog(tuple(build_adapter(source, client) for source in active_sources(settings)))
    contacts = tuple(emergency_contact(c) for c in settings.emergency_contacts)
    outbox = Outbox(redis, settings.cache_prefix)
    if catalog.complaints and (cache_redis is not None or store.using_redis):
        await warn_if_complaints_at_risk(redis, outbox.stream, redact_url(settings.redis_url))
    prefix = settings.cache_prefix
    counts = shared_counts(cache_redis or redis, prefix)
    rate_limits = RateLimits(settings.rate_limits, counts, settings.redis_retry_seconds)
    if manifest is None:
        manifest = load_manifest(settings.persisted_queries_file)
    documents = PersistedDocuments(store, prefix, _document_bounds(settings))
    persisted = PersistedQueries(settings.persisted_queries, manifest, documents)
    metrics.operations.reserve(operation_names(manifest.values()))
    runtime = HubRuntime(
        live=_live_feeds(redis, settings, clock),
        live_limits=LiveLimits(
            metrics.live,
            max_connections=settings.live_connections,
            max_connections_per_client=settings.live_max_connections_per_client,
            max_per_client=settings.live_max_per_client,
        ),
        settings=settings,
        http=http,
        redis=redis,
        store=store,
        client=client,
        catalog=catalog,
        outbox=outbox,
        metrics=metrics,
        generations=generations,
        rate_limits=rate_limits,
        persisted=persisted,
        emergency_contacts=contacts,
        clock=clock,
        cache_redis=cache_redis,
    )
    runtime.start_watching_loop()  # the hub's and the standalone worker's /metrics show it
    return runtime


def _live_feeds(redis: RedisClient, settings: Settings, clock: Clock) -> LiveFeeds:
    """Events on the outbox's Redis, which never evicts: a follower's event is not dropped for
    cached answers; a lease outlives a few missed renewals."""
    lease = 3 * settings.live_poll_seconds + 10
    interests = Interests(redis, settings.cache_prefix, lease, clock)
    events = EventStream(redis, settings.cache_prefix)
    return LiveFeeds(events, interests, clock, settings.live_poll_seconds)


async def _open_store(redis: RedisClient, settings: Settings, clock: Clock) -> FallbackStore:
    """Redis, with memory for while it fails; says which of the two serves at start-up."""
    store = FallbackStore(
        RedisStore(redis),
        MemoryStore(settings.memory_cache_entries, clock.monotonic),
        retry_seconds=settings.redis_retry_seconds,
        clock=clock.monotonic,
    )
    problem = await store.check_redis(announce=False)
    shown = redact_url(settings.cache_redis_url or settings.redis_url)
    if problem is None:
        log.info("cache: Redis at %s", shown)
    else:
        log.warning("cache: in memory (Redis at %s does not answer: %s)", shown, problem)
    return store


def _document_bounds(settings: Settings) -> DocumentBounds:
    return DocumentBounds(
        settings.persisted_queries_keep_seconds,
        settings.persisted_queries_max_documents,
        settings.persisted_queries_max_bytes,
    )


def emergency_contact(setting: EmergencyContactSettings) -> EmergencyContact:
    description = None
    if setting.description_id:
        description = LocalizedText(setting.description_id, setting.description_en)
    name = LocalizedText(setting.name_id, setting.name_en)
    return EmergencyContact(setting.service, setting.number, name, description)


def _connect_cache_redis(settings: Settings) -> RedisClient | None:
    """The Redis of the caches, when they have one of their own (cache_redis_url)."""
    if settings.cache_redis_url is None:
        return None
    return _connect_redis(settings.cache_redis_url, settings, "cache_redis_url")


def _connect_redis(url: str, settings: Settings, name: str) -> RedisClient:
    target = parse_redis_url(url)  # checked when the settings were read
    try:
        return connect_redis(target, settings.redis_timeout_seconds, REDIS_CONNECTIONS)
    except ValueError as exc:
        raise ConfigError(
            f"invalid setting {name!r} (environment {_ENVIRONMENT[name]}): got "
            f"{redact_url(url)!r}; {exc}"
        ) from exc


_ENVIRONMENT = {"redis_url": "REDIS_URL", "cache_redis_url": "KOTAHUB_CACHE_REDIS_URL"}
