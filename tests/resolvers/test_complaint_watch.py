"""The watcher on a real Redis and a reference Open311 server: one batched call per source
however many follow, nothing while no one does, one leader an interval, changes told once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from kotahub.adapters.catalog import Catalog
from kotahub.clock import SYSTEM_CLOCK
from kotahub.contract import Adapter
from kotahub.demo.open311 import DEMO_API_KEY
from kotahub.observability.metrics import HubMetrics
from kotahub.outbox.complaint_events import ComplaintEvent, complaint_topic
from kotahub.outbox.store import Outbox
from kotahub.resolvers.complaint_interests import Interests
from kotahub.resolvers.complaint_watch import ComplaintWatcher
from kotahub.resolvers.live_feeds import LiveFeeds
from kotahub.store.events import EventStream
from tests.support.redis_server import RedisServer
from tests.support.servers import ThreadedServer

pytestmark = pytest.mark.integration

IDS = [f"BPN-{n:06d}" for n in range(1, 9)]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def desk(make_adapter: Callable[..., Adapter], open311: ThreadedServer) -> Adapter:
    return make_adapter(
        name="complaints", kind="open311", base_url=open311.url, api_key=DEMO_API_KEY
    )


@pytest.fixture
def watchers(redis: Redis, desk: Adapter) -> Callable[..., tuple[ComplaintWatcher, LiveFeeds]]:
    """Watchers of one city (one prefix), as replicas would run them."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"

    def make(lease: float = 30) -> tuple[ComplaintWatcher, LiveFeeds]:
        interests = Interests(redis, prefix, lease)
        feeds = LiveFeeds(EventStream(redis, prefix), interests, SYSTEM_CLOCK)
        watcher = ComplaintWatcher(
            Catalog((desk,)),
            Outbox(redis, prefix),
            feeds,
            redis,
            prefix=prefix,
            poll_seconds=0.5,
            metrics=HubMetrics().live,
        )
        return watcher, feeds

    return make


def _requests(open311: ThreadedServer) -> list[tuple[str, str, str]]:
    return [r for r in open311.app.state.request_log.requests if r[1].startswith("/requests")]


async def test_many_followers_of_many_complaints_cost_one_batched_call_a_round(
    watchers: Callable[..., tuple[ComplaintWatcher, LiveFeeds]], open311: ThreadedServer
) -> None:
    watcher, feeds = watchers()
    for tracking_id in IDS:
        for _ in range(25):  # 200 followers
            await feeds.interests.hold(tracking_id, ("complaints", tracking_id))
    open311.app.state.request_log.clear()
    assert await watcher.round() == len(IDS)  # first sight: every state told once
    await asyncio.sleep(0.6)  # past the interval: the cached answer is asked again
    assert await watcher.round() == 0  # nothing moved: nothing told
    asked = _requests(open311)
    assert len(asked) == 2  # one call a round
    assert all("service_request_id=" in query for _, _, query in asked)


async def test_a_change_at_the_source_is_published_to_its_followers(
    watchers: Callable[..., tuple[ComplaintWatcher, LiveFeeds]], open311: ThreadedServer
) -> None:
    watcher, feeds = watchers()
    await feeds.interests.hold(IDS[0], ("complaints", IDS[0]))
    await watcher.round()
    async with feeds.events.listen(complaint_topic(IDS[0])) as events:
        open311.app.state.store.set_status(IDS[0], "closed", "Diperbaiki")
        await asyncio.sleep(0.6)  # past the interval: the cached answer is too old
        assert await watcher.round() == 1
        event = await asyncio.wait_for(anext(events), 5)
    told = ComplaintEvent.decoded(event.data)
    assert told.record is not None
    assert (told.record.status, told.record.status_notes) == ("closed", "Diperbaiki")
    await feeds.events.aclose()


async def test_no_one_following_means_no_upstream_call(
    watchers: Callable[..., tuple[ComplaintWatcher, LiveFeeds]], open311: ThreadedServer
) -> None:
    watcher, feeds = watchers(lease=0.2)
    await feeds.interests.hold(IDS[0], ("complaints", IDS[0]))
    feeds.interests.release(IDS[0])  # the subscriber left; its lease lapses unrenewed
    await asyncio.sleep(0.3)
    open311.app.state.request_log.clear()
    assert await watcher.round() == 0
    assert _requests(open311) == []


async def test_one_replica_leads_each_interval(
    watchers: Callable[..., tuple[ComplaintWatcher, LiveFeeds]],
) -> None:
    (first, _), (second, _) = watchers(), watchers()
    leads = [await first._lead(7), await second._lead(7)]
    assert sorted(leads) == [False, True]
    assert await second._lead(8)


async def test_leases_lapse_unless_renewed(redis: Redis) -> None:
    interests = Interests(redis, f"test-{uuid.uuid4().hex[:12]}", 0.2)
    await interests.hold("KH-1", None)
    await interests.hold("BPN-000001", ("complaints", "BPN-000001"))
    followed: dict[str, Any] = await interests.followed()
    assert followed == {"KH-1": None, "BPN-000001": ("complaints", "BPN-000001")}
    interests.release("KH-1")
    await asyncio.sleep(0.3)
    await interests.renew()  # only what this process still holds
    assert await interests.followed() == {"BPN-000001": ("complaints", "BPN-000001")}


async def test_a_lease_redis_never_took_is_not_held(private_redis: RedisServer) -> None:
    client = Redis.from_url(private_redis.url, socket_timeout=0.5)
    interests = Interests(client, f"test-{uuid.uuid4().hex[:12]}", 30)
    private_redis.stop()
    with pytest.raises(RedisError):
        await interests.hold("BPN-000001", ("complaints", "BPN-000001"))
    assert interests.held == frozenset()
    await client.aclose()
