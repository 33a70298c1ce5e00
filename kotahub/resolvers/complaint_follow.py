"""Following one complaint: its state now, then each change as the hub or the watcher hears it.

The first look is the complaint as ``track`` finds it. Later looks come from events: the
watcher's carry the source's record as it read it (so a thousand followers cost the source
nothing), the delivery worker's carry the hub's delivery, after which a submitted complaint
is looked up once more for its record at the source. A look that changes nothing a follower
sees (ComplaintState) is not sent.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace

from kotahub.clock import utc_now
from kotahub.errors import ClientInputError, SourceError
from kotahub.outbox.complaint_events import ComplaintEvent, complaint_topic
from kotahub.resolvers.complaint_changes import ComplaintState
from kotahub.resolvers.complaint_interests import Where
from kotahub.resolvers.complaints import TRACKING_PREFIX, Tracked, track
from kotahub.resolvers.index_cache import RequestMemo
from kotahub.resolvers.live_feeds import LiveFeeds, redis_answering, served
from kotahub.resolvers.loaders import make_loaders
from kotahub.resolvers.scope import RequestScope
from kotahub.store.events import Event
from kotahub.upstream.freshness_demand import no_older_than

log = logging.getLogger("kotahub.live")


async def follow_complaint(scope: RequestScope, tracking_id: str) -> AsyncIterator[Tracked]:
    """The complaint now, then each time what a follower sees of it changes."""
    feeds = served(scope.live)
    # Listening before the first look: a change between the two is not missed.
    async with redis_answering():
        await feeds.events.start()
    async with feeds.events.listen(complaint_topic(tracking_id)) as events:
        with no_older_than(feeds.poll_seconds):  # as fresh as the watcher's own looks
            now = await track(renewed(scope, feeds), tracking_id)
        if now is None:
            raise ClientInputError(
                f"no complaint has the tracking id {tracking_id!r}; expected the KH-… id "
                "submitComplaint gave, or a complaint's id at its source"
            )
        async with redis_answering():
            await feeds.interests.hold(tracking_id, _where(now))
        try:  # held only once Redis has it: released however the subscription ends
            seen = ComplaintState.of(now.record, now.delivery)
            yield now
            async for event in events:
                now = await _applied(scope, feeds, now, event)
                state = ComplaintState.of(now.record, now.delivery)
                if state != seen:
                    seen = state
                    yield now
        finally:
            feeds.interests.release(tracking_id)


def renewed(scope: RequestScope, feeds: LiveFeeds) -> RequestScope:
    """The subscription's scope for one more look: loaders that remember nothing, the time now."""
    loaders = make_loaders(scope.catalog)
    return replace(scope, loaders=loaders, memo=RequestMemo(), now=utc_now(feeds.clock))


async def _applied(scope: RequestScope, feeds: LiveFeeds, now: Tracked, event: Event) -> Tracked:
    try:
        told = ComplaintEvent.decoded(event.data)
    except ValueError as exc:
        log.warning("live: event %s left out: %s", event.position, exc)
        return now
    if told.record is not None:
        now = Tracked(now.tracking_id, told.delivery or now.delivery, told.record)
    elif told.delivery is not None:
        now = Tracked(now.tracking_id, told.delivery, now.record)
        if told.delivery.status == "SUBMITTED" and now.record is None:
            now = await _looked_up(scope, feeds, now)
    return now


async def _looked_up(scope: RequestScope, feeds: LiveFeeds, now: Tracked) -> Tracked:
    """Once submitted, the record at the source; what was known when the source fails."""
    try:
        found = await track(renewed(scope, feeds), now.tracking_id)
    except SourceError as exc:
        return Tracked(now.tracking_id, now.delivery, now.record, (exc,))
    return found or now


def _where(tracked: Tracked) -> Where | None:
    """Where the watcher finds a complaint the hub did not file (its own ids say for those)."""
    record = tracked.record
    if tracked.tracking_id.startswith(TRACKING_PREFIX) or record is None:
        return None
    return (record.source, record.local_id)
