"""The delivery worker: takes complaints from the outbox and posts them to their source."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass

from redis.exceptions import RedisError

from kotahub.hub.errors import SourceError, SourceHTTPError
from kotahub.hub.outbox import Outbox, Pending
from kotahub.resolvers.catalog import Catalog

log = logging.getLogger("kotahub.delivery")

# Refusals that retrying cannot fix; anything else (5xx, 408, 429, timeouts) is retried.
FINAL_STATUSES = frozenset({400, 401, 403, 404, 405, 406, 410, 413, 415, 422})
MAX_BACKOFF_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class DeliveryTiming:
    retry_seconds: float = 2.0  # the first wait after a failure; doubles each time
    reclaim_seconds: float = 30.0  # how long an entry may sit unacknowledged before retry
    poll_ms: int = 1000


class DeliveryWorker:
    """Delivers each queued complaint once; a crash leaves it pending for the next worker."""

    def __init__(self, outbox: Outbox, catalog: Catalog, timing: DeliveryTiming) -> None:
        self._outbox = outbox
        self._catalog = catalog
        self._timing = timing
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; Redis outages are waited out, never fatal."""
        while not stop.is_set():
            try:
                await self._outbox.ensure_group()
                await self.run_once()
            except RedisError as exc:
                log.warning("delivery paused, the queue store does not answer: %s", exc)
                await _sleep_unless(stop, self._timing.retry_seconds)

    async def run_once(self) -> int:
        """Take what is due and try to deliver it; returns how many were settled."""
        reclaim_ms = int(self._timing.reclaim_seconds * 1000)
        pending = await self._outbox.take(self.consumer, 10, self._timing.poll_ms, reclaim_ms)
        settled = 0
        for item in pending:
            settled += await self.deliver(item)
        return settled

    async def deliver(self, item: Pending) -> int:
        adapter = next(
            (a for a in self._catalog.complaints if a.source == item.submission.source), None
        )
        if adapter is None:
            reason = f"no complaints source named {item.submission.source!r} is configured"
            await self._outbox.settle(item, {"status": "REJECTED", "reason": reason})
            return 1
        if not await self._due(item):
            return 0
        try:
            receipt = await adapter.submit(item.submission, idempotency_key=item.tracking_id)
        except SourceHTTPError as exc:
            if exc.status in FINAL_STATUSES:
                log.info(
                    "complaint %s rejected by %s: %s", item.tracking_id, exc.source, exc.detail
                )
                await self._outbox.settle(item, {"status": "REJECTED", "reason": exc.detail})
                return 1
            return await self._retry_later(item, exc)
        except SourceError as exc:
            return await self._retry_later(item, exc)
        changes = {
            "status": "SUBMITTED",
            "upstream_id": receipt.upstream_id or "",
            "upstream_token": receipt.token or "",
        }
        await self._outbox.settle(item, changes)
        log.info("complaint %s delivered to %s", item.tracking_id, adapter.source)
        return 1

    async def _due(self, item: Pending) -> bool:
        state = await self._outbox.delivery(item.tracking_id)
        return state is None or state.next_attempt_at <= time.time()

    async def _retry_later(self, item: Pending, exc: SourceError) -> int:
        attempts = await self._outbox.note_attempt(item, exc.detail)
        wait = min(self._timing.retry_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        await self._outbox.postpone(item, time.time() + wait)
        log.info(
            "complaint %s not delivered (attempt %d, retry in %.0f s): %s",
            item.tracking_id,
            attempts,
            wait,
            exc.detail,
        )
        return 0


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
