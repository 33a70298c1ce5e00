"""The delivery worker: takes complaints from the outbox and posts them to their source."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from kotahub.adapters.catalog import Catalog
from kotahub.contract import ComplaintsLookup, Receipt, UncertainPost
from kotahub.errors import SourceError, SourceHTTPError
from kotahub.observability.metrics import HubMetrics
from kotahub.outbox.complaint_events import ComplaintEvent, complaint_topic
from kotahub.outbox.failure_reasons import failure_reason, rejection_reason
from kotahub.outbox.post_outcomes import needs_operator, refused_for_good, surely_not_made
from kotahub.outbox.store import Outbox, Pending, UnreadableEntry
from kotahub.store.events import EventStream
from kotahub.store.redis_connection import REDIS_ERRORS, REDIS_FAILURES

log = logging.getLogger("kotahub.delivery")

# A complaint the source refused for good (post_outcomes.refused_for_good) is REJECTED.
# Anything else (5xx, 401/403 after a key rotation, 404 from a wrong path, timeouts) is
# retried until it is delivered; a failure that needs an operator is logged at WARNING.
MAX_BACKOFF_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class DeliveryTiming:
    retry_seconds: float = 2.0  # the first wait after a failure; doubles each time
    reclaim_seconds: float = 30.0  # an entry idle this long belongs to a dead worker
    poll_ms: int = 1000


class DeliveryWorker:
    """Delivers each queued complaint once; a crash leaves it pending for the next worker."""

    def __init__(
        self,
        outbox: Outbox,
        catalog: Catalog,
        timing: DeliveryTiming,
        metrics: HubMetrics | None = None,
        events: EventStream | None = None,
    ) -> None:
        self._outbox = outbox
        self._metrics = metrics
        self._events = events
        self._catalog = catalog
        self._timing = timing
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        # Outcomes the source gave that could not yet be written down (Redis was away).
        self._unsettled: dict[str, dict[str, str]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; no failure ends the loop."""
        paused = False
        while not stop.is_set():
            try:
                await self._outbox.ensure_group()
                await self.run_once()
            except REDIS_ERRORS as exc:
                if not paused:  # said once per outage, not at every retry
                    log.warning("delivery paused, the queue store does not answer: %s", exc)
                paused = True
                await _sleep_unless(stop, self._timing.retry_seconds)
                continue
            except Exception:
                log.exception("delivery loop failed; trying again")
                await _sleep_unless(stop, self._timing.retry_seconds)
                continue
            if paused:
                log.warning("delivery resumed: the queue store answers again")
                paused = False

    async def run_once(self) -> int:
        """Look at what is due and try to deliver it; returns how many were settled."""
        reclaim_ms = int(self._timing.reclaim_seconds * 1000)
        entries = await self._outbox.take(self.consumer, 10, self._timing.poll_ms, reclaim_ms)
        settled = 0
        for entry in entries:
            settled += await self._handle(entry)
        return settled

    async def _handle(self, entry: Any) -> int:
        try:
            pending = await self._outbox.pending_of(entry)
        except UnreadableEntry as exc:
            log.error("%s; it is set aside", exc)
            await self._outbox.discard(exc.entry_id)
            return 0
        try:
            return await self.deliver(pending)
        except REDIS_ERRORS:
            raise
        except Exception as exc:  # a fault of ours must not stop the other deliveries
            log.exception("complaint %s could not be delivered", pending.tracking_id)
            return await self._retry_later(pending, f"internal error: {type(exc).__name__}")

    async def deliver(self, item: Pending) -> int:
        if item.tracking_id in self._unsettled:  # delivered before Redis went away
            return await self._settle(item, self._unsettled[item.tracking_id])
        state = await self._outbox.delivery(item.tracking_id)
        if state is not None and state.status != "QUEUED":  # another worker finished it
            await self._outbox.settle(item, {})
            return 0
        if state is not None and state.next_attempt_at > time.time():
            return 0
        adapter = next(
            (a for a in self._catalog.complaints if a.source == item.submission.source), None
        )
        if adapter is None:
            reason = f"no complaints source named {item.submission.source!r} is configured here"
            log.error("complaint %s waits: %s", item.tracking_id, reason)
            return await self._retry_later(item, reason)
        if not await self._outbox.hold(self.consumer, item):
            return 0
        return await self._post(adapter, item)

    async def _post(self, adapter: Any, item: Pending) -> int:
        try:
            receipt = await self._submit_once(adapter, item)
        except SourceHTTPError as exc:
            if refused_for_good(exc, item.submission):
                self._failed(item)
                reason = rejection_reason(exc, item.submission)
                log.warning("complaint %s rejected by %s: %s", item.tracking_id, exc.source, reason)
                return await self._settle(item, {"status": "REJECTED", "reason": reason})
            reason = failure_reason(exc, item.submission)
            return await self._retry_later(item, reason, needs_operator(exc))
        except SourceError as exc:
            return await self._retry_later(item, failure_reason(exc, item.submission))
        changes = {
            "status": "SUBMITTED",
            "upstream_id": receipt.upstream_id or "",
            "upstream_token": receipt.token or "",
        }
        self._unsettled[item.tracking_id] = changes
        settled = await self._settle(item, changes)
        log.info("complaint %s delivered to %s", item.tracking_id, adapter.source)
        return settled

    async def _submit_once(self, adapter: Any, item: Pending) -> Receipt:
        """Post the submission, unless an earlier post, which may have reached the source
        before its worker died or its answer was lost, is found there."""
        earlier = await self._outbox.begin_attempt(item)
        if earlier:
            found = await self._made_earlier(adapter, item, earlier)
            if found is not None:
                log.info(
                    "complaint %s found at %s: an earlier post made it",
                    item.tracking_id,
                    adapter.source,
                )
                return found
        try:
            receipt: Receipt = await adapter.submit(
                item.submission, idempotency_key=item.tracking_id
            )
        except SourceError as exc:
            await self._outbox.end_attempt(item, unsure=not surely_not_made(exc))
            raise
        return receipt

    async def _made_earlier(
        self, adapter: Any, item: Pending, posts: list[UncertainPost]
    ) -> Receipt | None:
        """What an earlier post of the item made at the source, for adapters that can say:
        a single complaint there that no other submission has claimed, now claimed for this
        one. None (send again) when there is none, or several, or the search fails: a
        duplicate can be closed upstream, a complaint taken for another's is lost."""
        if not isinstance(adapter, ComplaintsLookup):
            return None  # sent again: only the idempotency key keeps it from being made twice
        try:
            found = await adapter.find_submitted(item.submission, posts)
        except SourceError as exc:
            reason = failure_reason(exc, item.submission)
            log.warning(
                "complaint %s: no search for an earlier post (%s); sent again",
                item.tracking_id,
                reason,
            )
            return None
        free = await self._outbox.unclaimed(item, found)
        if len(free) == 1 and await self._outbox.claim(item, free[0]):
            return Receipt(free[0])
        if found:
            log.warning(
                "complaint %s: %d complaints at %s look like it, %d of them unclaimed; sent again",
                item.tracking_id,
                len(found),
                item.submission.source,
                len(free),
            )
        return None

    async def _settle(self, item: Pending, changes: dict[str, str]) -> int:
        upstream_id = changes.get("upstream_id")
        if upstream_id and not await self._outbox.claim(item, upstream_id):
            log.warning(  # its answer says so; the other was taken for it by a search
                "complaint %s: upstream id %s was already claimed by another complaint",
                item.tracking_id,
                upstream_id,
            )
        settled = await self._outbox.settle(item, changes)
        self._unsettled.pop(item.tracking_id, None)
        if settled:
            await self._tell(item.tracking_id)
        return 1

    async def _tell(self, tracking_id: str) -> None:
        """Followers on every replica hear where the complaint now stands; the complaint is
        delivered whether or not they can be told (they see it at their next look)."""
        if self._events is None:
            return
        try:
            delivery = await self._outbox.delivery(tracking_id)
            if delivery is not None:
                event = ComplaintEvent(delivery=delivery).encoded()
                await self._events.publish(complaint_topic(tracking_id), event)
        except REDIS_FAILURES as exc:
            log.warning("complaint %s: its followers could not be told: %s", tracking_id, exc)
            return
        if self._metrics is not None:
            self._metrics.live.published.labels(kind="delivery").inc()

    async def _retry_later(self, item: Pending, reason: str, urgent: bool = False) -> int:
        """Try again after a wait that doubles up to MAX_BACKOFF_SECONDS. Logged at WARNING
        when an operator is needed: ``urgent`` (credentials refused, nothing at the path),
        or the waits have grown to their longest and it is still not delivered."""
        self._failed(item)
        attempts = await self._outbox.note_failure(item, reason)
        wait = self._wait(attempts)
        await self._outbox.postpone(item, time.time() + wait)
        stuck = wait >= MAX_BACKOFF_SECONDS > self._wait(attempts - 1)
        log.log(
            logging.WARNING if urgent or stuck else logging.INFO,
            "complaint %s not delivered (attempt %d, retry in %.0f s%s): %s",
            item.tracking_id,
            attempts,
            wait,
            "; the waits are at their longest" if stuck else "",
            reason,
        )
        return 0

    def _wait(self, attempts: int) -> float:
        """Seconds until the next try after ``attempts`` failed ones (none: no wait)."""
        if attempts < 1:
            return 0.0
        doubled = self._timing.retry_seconds * 2.0 ** min(attempts - 1, 20)
        return min(doubled, MAX_BACKOFF_SECONDS)

    def _failed(self, item: Pending) -> None:
        if self._metrics is not None:
            self._metrics.delivery_failures.labels(item.submission.source).inc()


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
