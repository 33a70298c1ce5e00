"""The outbox on a real Redis: recorded before the answer, idempotent, contact details dropped."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from kotahub.hub.errors import ClientInputError
from kotahub.hub.outbox import Outbox, OutboxUnavailable
from kotahub.records import ComplaintSubmission, Contact

SUBMISSION = ComplaintSubmission(
    source="complaints",
    category_code="sampah",
    description="Sampah menumpuk",
    lat=-1.26,
    lon=116.85,
    attributes={"jenis_sampah": ["organik"]},
    contact=Contact(email="budi@example.com", phone="+62 811 0000 7777"),
)


@pytest.fixture
async def outbox(redis_url: str) -> AsyncIterator[Outbox]:
    redis = Redis.from_url(redis_url)
    yield Outbox(redis, f"test-{uuid.uuid4().hex[:12]}")
    await redis.aclose()


async def test_record_is_queued_with_a_tracking_id(outbox: Outbox) -> None:
    delivery = await outbox.record(SUBMISSION, None)
    assert delivery.status == "QUEUED" and delivery.tracking_id.startswith("KH-")
    assert await outbox.depth() == 1
    assert await outbox.delivery(delivery.tracking_id) == delivery


async def test_same_idempotency_key_same_answer_nothing_new(outbox: Outbox) -> None:
    first = await outbox.record(SUBMISSION, "portal-42")
    again = await outbox.record(SUBMISSION, "portal-42")
    assert again.tracking_id == first.tracking_id and await outbox.depth() == 1
    different = ComplaintSubmission(
        source="complaints", category_code="sampah", description="lain", lat=-1.26, lon=116.85
    )
    with pytest.raises(ClientInputError, match="already used for a different complaint"):
        await outbox.record(different, "portal-42")


async def test_settling_drops_the_entry_and_the_contact_details(outbox: Outbox) -> None:
    delivery = await outbox.record(SUBMISSION, None)
    await outbox.ensure_group()
    (pending,) = await outbox.take("test", 10, 100, 60_000)
    assert pending.submission == SUBMISSION
    await outbox.settle(pending, {"status": "SUBMITTED", "upstream_id": "BPN-1"})
    state = await outbox.delivery(delivery.tracking_id)
    assert state is not None and (state.status, state.upstream_id) == ("SUBMITTED", "BPN-1")
    assert await outbox.depth() == 0
    keys = [
        key async for key in outbox.redis.scan_iter(match=f"{outbox.stream.rsplit(':', 1)[0]}:*")
    ]
    for key in keys:
        kind = await outbox.redis.type(key)
        dump = await outbox.redis.hgetall(key) if kind in (b"hash", "hash") else {}
        assert b"budi" not in repr(dump).encode() and b"7777" not in repr(dump).encode()


async def test_unacknowledged_entries_are_reclaimed_by_another_worker(outbox: Outbox) -> None:
    await outbox.record(SUBMISSION, None)
    await outbox.ensure_group()
    assert len(await outbox.take("crashed", 10, 100, 60_000)) == 1
    assert await outbox.take("next", 10, 100, 60_000) == []  # still fresh: not reclaimed
    reclaimed = await outbox.take("next", 10, 100, 0)
    assert [p.submission for p in reclaimed] == [SUBMISSION]


async def test_no_redis_means_a_clear_refusal_and_nothing_saved() -> None:
    redis = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    with pytest.raises(OutboxUnavailable, match="nothing was saved"):
        await Outbox(redis, "test").record(SUBMISSION, None)
    await redis.aclose()
