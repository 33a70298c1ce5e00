"""The watcher: asks the complaints sources about the complaints someone follows, and tells
every replica what changed.

Open311 pushes nothing, so changes at the source are polled for, only while someone follows
a complaint: each interval, one replica (whichever takes the interval's lock in Redis) reads
every followed complaint in one batched call per source (``service_request_id`` lists,
through the source client and its cache, asking again for answers older than the interval,
with ETag / Last-Modified where the source offers them), compares what a follower sees with
what was told last (fingerprints in Redis, so a new leader does not tell it all again), and
publishes the changes. The other replicas renew their followers' leases and wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from kotahub.adapters.catalog import Catalog
from kotahub.errors import SourceError
from kotahub.observability.live_metrics import LiveMetrics
from kotahub.outbox.complaint_events import ComplaintEvent, complaint_topic
from kotahub.outbox.store import Outbox
from kotahub.records import ComplaintRecord, Delivery
from kotahub.resolvers.complaint_changes import ComplaintState
from kotahub.resolvers.complaint_interests import Where
from kotahub.resolvers.complaints import TRACKING_PREFIX
from kotahub.resolvers.live_feeds import LiveFeeds
from kotahub.resolvers.loaders import complaints_with_ids
from kotahub.store.redis_connection import REDIS_FAILURES, RedisClient, redis_text
from kotahub.upstream.freshness_demand import no_older_than

log = logging.getLogger("kotahub.live")

Wanted = dict[str, list[tuple[str, Delivery | None]]]  # local id: (tracking id, delivery)


class ComplaintWatcher:
    def __init__(
        self,
        catalog: Catalog,
        outbox: Outbox,
        feeds: LiveFeeds,
        redis: RedisClient,
        *,
        prefix: str,
        poll_seconds: float,
        metrics: LiveMetrics,
    ) -> None:
        self._catalog, self._outbox, self._feeds = catalog, outbox, feeds
        self._redis = redis
        self.lock_key = f"{prefix}:{{live}}:watcher"
        self.seen_key = feeds.interests.seen_key
        self.poll_seconds = poll_seconds
        self._metrics = metrics
        self._token = secrets.token_hex(8)

    async def run(self, stop: asyncio.Event) -> None:
        """Each interval until ``stop``: renew this replica's leases, and lead the round if no
        other replica does; no failure ends the loop. Intervals are counted from the epoch
        on every replica alike (real time, which replicas share), so rounds keep their
        cadence however long one takes and whichever replica leads it."""
        told = False
        while not stop.is_set():
            tick = int(time.time() // self.poll_seconds)
            try:
                interests = self._feeds.interests
                await interests.renew()
                if await interests.any_followed() and await self._lead(tick):
                    await self.round()
                told = False
            except REDIS_FAILURES as exc:
                if not told:
                    log.warning("live: the watcher cannot reach Redis (%s); trying again", exc)
                told = True
            except Exception:
                log.exception("live: a watcher round failed")
            until_next = (tick + 1) * self.poll_seconds - time.time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(until_next, 0.0))

    async def round(self) -> int:
        """One look at every followed complaint; the number of changes published."""
        self._metrics.watch_rounds.inc()
        followed = await self._feeds.interests.followed()
        if not followed:
            return 0
        events: dict[str, ComplaintEvent] = {}
        for source, wanted in (await self._targets(followed)).items():
            records = await self._read(source, list(wanted))
            for local_id, record in records.items():
                for tracking_id, delivery in wanted.get(local_id, []):
                    events[tracking_id] = ComplaintEvent(record, delivery)
        return await self._publish_changes(events, set(followed))

    async def _lead(self, tick: int) -> bool:
        """Whether this replica leads the interval ``tick`` (the first to take its lock)."""
        hold_ms = max(1, int(self.poll_seconds * 2000))
        key = f"{self.lock_key}:{tick}"
        return bool(await self._redis.set(key, self._token, nx=True, px=hold_ms))

    async def _targets(self, followed: Mapping[str, Where | None]) -> dict[str, Wanted]:
        """What to ask each source: filed through the hub once delivered, the others where
        their followers found them."""
        targets: dict[str, Wanted] = defaultdict(lambda: defaultdict(list))
        filed = [tracking_id for tracking_id in followed if tracking_id.startswith(TRACKING_PREFIX)]
        deliveries = await asyncio.gather(*(self._outbox.delivery(t) for t in filed))
        for tracking_id, delivery in zip(filed, deliveries, strict=True):
            if delivery is not None and delivery.upstream_id and delivery.status == "SUBMITTED":
                targets[delivery.source][delivery.upstream_id].append((tracking_id, delivery))
        for tracking_id, where in followed.items():
            if where is not None and not tracking_id.startswith(TRACKING_PREFIX):
                targets[where[0]][where[1]].append((tracking_id, None))
        return targets

    async def _read(self, source: str, local_ids: Sequence[str]) -> dict[str, ComplaintRecord]:
        adapter = next((a for a in self._catalog.complaints if a.source == source), None)
        if adapter is None:
            return {}
        self._metrics.watch_calls.labels(source=source).inc()
        try:
            # The last round's answer is about an interval old: asked again, every round.
            with no_older_than(self.poll_seconds / 2):
                records = await complaints_with_ids(adapter, local_ids)
        except SourceError as exc:
            log.info("live: source %s could not be watched this round: %s", source, exc)
            return {}
        return {record.local_id: record for record in records}

    async def _publish_changes(self, events: dict[str, ComplaintEvent], followed: set[str]) -> int:
        ids = list(events)
        told = await self._redis.hmget(self.seen_key, ids) if ids else []
        changed: dict[str, str] = {
            tracking_id: fingerprint
            for tracking_id, before in zip(ids, told, strict=True)
            if (fingerprint := _fingerprint(events[tracking_id])) != _text(before)
        }
        for tracking_id in changed:
            topic = complaint_topic(tracking_id)
            await self._feeds.events.publish(topic, events[tracking_id].encoded())
            self._metrics.published.labels(kind="source").inc()
        if changed:
            fields: dict[Any, Any] = dict(changed)  # redis-py's mapping type is invariant
            await self._redis.hset(self.seen_key, mapping=fields)
        keys = [_text(key) or "" for key in await self._redis.hkeys(self.seen_key)]
        forgotten = [key for key in keys if key not in followed]
        if forgotten:
            await self._redis.hdel(self.seen_key, *forgotten)
        return len(changed)


def _fingerprint(event: ComplaintEvent) -> str:
    return ComplaintState.of(event.record, event.delivery).fingerprint


def _text(value: object) -> str | None:
    return None if value is None else redis_text(value)
