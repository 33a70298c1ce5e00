"""The outbox on a real Redis: recorded before the answer, idempotent, contact details dropped."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from kotahub.errors import ClientInputError
from kotahub.outbox.store import GROUP, IdempotencyKey, Outbox, OutboxUnavailable, Pending
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
SECRETS = (b"budi@example.com", b"0000 7777")
PORTAL_42 = IdempotencyKey("key:portal", "portal-42")


@pytest.fixture
async def outbox(redis_url: str) -> AsyncIterator[Outbox]:
    redis = Redis.from_url(redis_url)
    box = Outbox(redis, f"test-{uuid.uuid4().hex[:12]}")
    await box.ensure_group()
    yield box
    await redis.aclose()


async def _take(outbox: Outbox, consumer: str, reclaim_ms: int = 60_000) -> list[Pending]:
    entries = await outbox.take(consumer, 10, 50, reclaim_ms)
    return [await outbox.pending_of(entry) for entry in entries]


async def _everything(outbox: Outbox) -> bytes:
    """Every value the outbox keeps, for looking for secrets."""
    prefix = outbox.stream.rsplit(":", 1)[0]
    dump = b""
    async for key in outbox.redis.scan_iter(match=f"{prefix}:*"):
        kind = await outbox.redis.type(key)
        if kind in (b"hash", "hash"):
            dump += repr(await outbox.redis.hgetall(key)).encode()
        elif kind in (b"stream", "stream"):
            dump += repr(await outbox.redis.xrange(key)).encode()
        else:
            dump += repr(await outbox.redis.get(key)).encode()
    return dump


async def test_record_is_queued_with_a_tracking_id(outbox: Outbox) -> None:
    delivery = await outbox.record(SUBMISSION, None)
    assert delivery.status == "QUEUED" and delivery.tracking_id.startswith("KH-")
    assert await outbox.depth() == 1
    assert await outbox.delivery(delivery.tracking_id) == delivery
    assert "budi" not in repr(SUBMISSION)


async def test_same_idempotency_key_same_answer_nothing_new(outbox: Outbox) -> None:
    answers = await asyncio.gather(*(outbox.record(SUBMISSION, PORTAL_42) for _ in range(5)))
    assert len({a.tracking_id for a in answers}) == 1 and await outbox.depth() == 1
    different = ComplaintSubmission(
        source="complaints", category_code="sampah", description="lain", lat=-1.26, lon=116.85
    )
    with pytest.raises(ClientInputError, match="already used for a different complaint"):
        await outbox.record(different, PORTAL_42)


async def test_another_callers_key_makes_a_complaint_of_its_own(outbox: Outbox) -> None:
    mine = await outbox.record(SUBMISSION, PORTAL_42)
    for caller in ("key:other-partner", "203.0.113.9", "2001:db8::/64"):
        theirs = await outbox.record(SUBMISSION, IdempotencyKey(caller, PORTAL_42.key))
        assert theirs.tracking_id != mine.tracking_id and theirs.status == "QUEUED"
    different = ComplaintSubmission(
        source="complaints", category_code="sampah", description="lain", lat=-1.26, lon=116.85
    )
    refused_before = await outbox.record(different, IdempotencyKey("198.51.100.7", "portal-42"))
    assert refused_before.tracking_id != mine.tracking_id
    assert await outbox.depth() == 5
    assert (await outbox.record(SUBMISSION, PORTAL_42)).tracking_id == mine.tracking_id


async def test_keys_of_the_shared_layout_are_not_read(outbox: Outbox) -> None:
    """A key written before keys were scoped could be anyone's: it names no one's complaint."""
    earlier = await outbox.record(SUBMISSION, None)
    prefix = outbox.stream.rsplit(":", 1)[0]
    shared = f"{prefix}:idempotency:{hashlib.sha256(b'portal-42').hexdigest()}"
    await outbox.redis.set(shared, earlier.tracking_id)
    again = await outbox.record(SUBMISSION, PORTAL_42)
    assert again.tracking_id != earlier.tracking_id
    assert (await outbox.delivery(earlier.tracking_id)) == earlier  # still tracked


async def test_settling_drops_the_entry_and_the_contact_details(outbox: Outbox) -> None:
    delivery = await outbox.record(SUBMISSION, None)
    stored = await _everything(outbox)
    assert all(secret in stored for secret in SECRETS)
    (pending,) = await _take(outbox, "test")
    assert pending.submission == SUBMISSION and pending.submission.contact == SUBMISSION.contact
    assert await outbox.settle(pending, {"status": "SUBMITTED", "upstream_id": "BPN-1"})
    assert not await outbox.settle(pending, {"status": "REJECTED", "reason": "late"})
    state = await outbox.delivery(delivery.tracking_id)
    assert state is not None and (state.status, state.upstream_id) == ("SUBMITTED", "BPN-1")
    assert await outbox.depth() == 0
    left = await _everything(outbox)
    assert not any(secret in left for secret in SECRETS)


async def test_idle_entries_of_a_dead_worker_are_reclaimed(outbox: Outbox) -> None:
    for _ in range(3):
        await outbox.record(SUBMISSION, None)
    assert len(await _take(outbox, "crashed")) == 3
    assert await _take(outbox, "next") == []  # still fresh: not reclaimed
    reclaimed = await _take(outbox, "next", reclaim_ms=0)
    assert len(reclaimed) == 3
    held = await outbox.hold("next", reclaimed[0])
    assert held and len(await _take(outbox, "next")) == 3  # now its own pending entries


async def test_more_pending_than_one_batch_are_all_reclaimed(outbox: Outbox) -> None:
    for _ in range(35):
        await outbox.record(SUBMISSION, None)
    await outbox.redis.xreadgroup(GROUP, "crashed", {outbox.stream: ">"}, count=100)
    seen: set[str] = set()
    for _ in range(6):
        seen |= {p.entry_id for p in await _take(outbox, "next", reclaim_ms=0)}
    assert len(seen) == 35


async def test_no_redis_means_a_clear_refusal_and_nothing_saved() -> None:
    redis = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    with pytest.raises(OutboxUnavailable, match="nothing was saved"):
        await Outbox(redis, "test").record(SUBMISSION, None)
    await redis.aclose()
