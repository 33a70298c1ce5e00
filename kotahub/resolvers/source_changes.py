"""Sources' health as it changes: each replica tells every replica when a source's circuit
opens or closes, or when it starts or stops failing, as that replica sees it.

Breakers are per process, so each replica compares its own sources' states every
``interval`` and publishes the ones that moved; a follower hears them all, each event a
source's status as the replica that saw it change saw it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from kotahub.observability.live_metrics import LiveMetrics
from kotahub.resolvers.live_feeds import redis_answering, served
from kotahub.resolvers.scope import RequestScope, SourceStatusReader
from kotahub.store.events import EventStream
from kotahub.store.redis_connection import REDIS_FAILURES
from kotahub.upstream.source_status import SourceSnapshot

log = logging.getLogger("kotahub.live")
SOURCES_TOPIC = "sources"
_SNAPSHOTS: TypeAdapter[SourceSnapshot] = TypeAdapter(SourceSnapshot)
Signature = tuple[str, bool]  # the breaker's state, and whether the last call failed


def signature(snapshot: SourceSnapshot) -> Signature:
    failed, succeeded = snapshot.last_failure_at, snapshot.last_success_at
    failing = failed is not None and (succeeded is None or failed > succeeded)
    return (snapshot.state, failing)


class SourceChanges:
    """Publishes this process's sources whose signature moved since the last look."""

    def __init__(
        self, statuses: SourceStatusReader, events: EventStream, metrics: LiveMetrics
    ) -> None:
        self._statuses, self._events, self._metrics = statuses, events, metrics
        self._seen = {s.name: signature(s) for s in statuses.snapshot()}

    async def look(self) -> int:
        moved = [s for s in self._statuses.snapshot() if self._seen.get(s.name) != signature(s)]
        for snapshot in moved:
            data = {"snapshot": _SNAPSHOTS.dump_python(snapshot, mode="json")}
            await self._events.publish(SOURCES_TOPIC, data)
            self._seen[snapshot.name] = signature(snapshot)
            self._metrics.published.labels(kind="source_status").inc()
        return len(moved)

    async def run(self, stop: asyncio.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                await self.look()
            except REDIS_FAILURES as exc:
                log.info("live: a source's change could not be told: %s", exc)
            except Exception:
                log.exception("live: comparing the sources' states failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)


async def follow_sources(scope: RequestScope) -> AsyncIterator[SourceSnapshot]:
    """Each source status change any replica publishes from now on."""
    feeds = served(scope.live)
    async with redis_answering():
        await feeds.events.start()
    async with feeds.events.listen(SOURCES_TOPIC) as events:
        async for event in events:
            snapshot = _decoded(event.data)
            if snapshot is not None:
                yield snapshot


def _decoded(data: Mapping[str, Any]) -> SourceSnapshot | None:
    try:
        return _SNAPSHOTS.validate_python(data.get("snapshot"))
    except ValidationError as exc:
        log.warning("live: a source status event this hub cannot read: %s", exc.errors()[0])
        return None
