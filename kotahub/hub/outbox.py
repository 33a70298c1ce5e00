"""The complaint outbox: submissions recorded in a Redis stream before anyone is told "queued".

Keys, under the hub's cache prefix:

- ``{p}:outbox`` — a stream with one entry per submission still to deliver, holding the
  complaint and the reporter's contact details; the entry is deleted once delivered or
  rejected, so contact details live only as long as delivery needs them;
- ``{p}:submission:{tracking_id}`` — a hash with the delivery state and the upstream's id or
  token, and no contact details; kept for ``retention`` after it is settled;
- ``{p}:idempotency:{sha256(key)}`` — the tracking id a client's idempotency key made.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from kotahub.hub.errors import ClientInputError, KotaHubError
from kotahub.records import ComplaintSubmission, Contact

DeliveryStatus = Literal["QUEUED", "SUBMITTED", "REJECTED"]
GROUP = "delivery"
RETENTION_SECONDS = 90 * 24 * 3600


class OutboxUnavailable(KotaHubError):
    """The outbox cannot record a submission now; nothing was saved."""

    code = "SERVICE_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a submission stands."""

    tracking_id: str
    status: DeliveryStatus
    source: str
    category_code: str
    created_at: float
    updated_at: float
    upstream_id: str | None = None
    upstream_token: str | None = None
    reason: str | None = None
    attempts: int = 0
    next_attempt_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Pending:
    """An outbox entry a worker is to deliver."""

    entry_id: str
    tracking_id: str
    submission: ComplaintSubmission


def new_tracking_id() -> str:
    """``KH-`` and 20 random base-32 characters: unguessable, easy to read out."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "KH-" + "".join(secrets.choice(alphabet) for _ in range(20))


def submission_from(data: Mapping[str, Any]) -> ComplaintSubmission:
    contact = Contact(**data.get("contact") or {})
    return ComplaintSubmission(
        **{**data, "contact": contact, "attributes": dict(data.get("attributes") or {})}
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def delivery_from(tracking_id: str, fields: Mapping[Any, Any]) -> Delivery:
    text = {_text(k): _text(v) for k, v in fields.items()}
    return Delivery(
        tracking_id=tracking_id,
        status=text["status"],  # type: ignore[arg-type]
        source=text["source"],
        category_code=text["category_code"],
        created_at=float(text["created_at"]),
        updated_at=float(text["updated_at"]),
        upstream_id=text.get("upstream_id") or None,
        upstream_token=text.get("upstream_token") or None,
        reason=text.get("reason") or None,
        attempts=int(text.get("attempts", "0")),
        next_attempt_at=float(text.get("next_attempt_at", "0")),
    )


class Outbox:
    """Records submissions, answers their state, and hands them to delivery workers."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.stream = f"{prefix}:outbox"
        self._prefix = prefix

    def _state_key(self, tracking_id: str) -> str:
        return f"{self._prefix}:submission:{tracking_id}"

    def _idempotency_key(self, key: str) -> str:
        return f"{self._prefix}:idempotency:{hashlib.sha256(key.encode()).hexdigest()}"

    async def record(
        self, submission: ComplaintSubmission, idempotency_key: str | None
    ) -> Delivery:
        """Write the submission durably, or return what the same idempotency key made before."""
        try:
            if idempotency_key:
                earlier = await self._earlier(submission, idempotency_key)
                if earlier is not None:
                    return earlier
            return await self._append(submission, idempotency_key)
        except RedisError as exc:
            raise OutboxUnavailable(
                "complaints cannot be recorded right now (the queue store does not answer); "
                "nothing was saved, please try again shortly"
            ) from exc

    async def _earlier(self, submission: ComplaintSubmission, key: str) -> Delivery | None:
        raw = await self.redis.get(self._idempotency_key(key))
        if raw is None:
            return None
        tracking_id = _text(raw)
        fingerprint = await self.redis.hget(self._state_key(tracking_id), "fingerprint")
        if fingerprint is not None and _text(fingerprint) != submission.fingerprint():
            raise ClientInputError(
                "idempotencyKey was already used for a different complaint; "
                "use a new key for a new complaint"
            )
        return await self.delivery(tracking_id)

    async def _append(
        self, submission: ComplaintSubmission, idempotency_key: str | None
    ) -> Delivery:
        tracking_id, now = new_tracking_id(), time.time()
        state: dict[Any, Any] = {
            "status": "QUEUED",
            "source": submission.source,
            "category_code": submission.category_code,
            "created_at": now,
            "updated_at": now,
            "fingerprint": submission.fingerprint(),
            "attempts": 0,
        }
        entry = {"tracking_id": tracking_id, "submission": json.dumps(asdict(submission))}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._state_key(tracking_id), mapping=state)
            if idempotency_key:
                pipe.set(self._idempotency_key(idempotency_key), tracking_id, ex=RETENTION_SECONDS)
            pipe.xadd(self.stream, entry)  # type: ignore[arg-type]
            await pipe.execute()
        delivery = await self.delivery(tracking_id)
        assert delivery is not None
        return delivery

    async def delivery(self, tracking_id: str) -> Delivery | None:
        fields = await self.redis.hgetall(self._state_key(tracking_id))
        return delivery_from(tracking_id, fields) if fields else None

    async def settle(self, pending: Pending, changes: Mapping[Any, Any]) -> None:
        """Record the outcome and drop the entry, and with it the contact details."""
        key = self._state_key(pending.tracking_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={**changes, "updated_at": time.time()})
            pipe.expire(key, RETENTION_SECONDS)
            pipe.xack(self.stream, GROUP, pending.entry_id)
            pipe.xdel(self.stream, pending.entry_id)
            await pipe.execute()

    async def remember_upstream_id(self, tracking_id: str, upstream_id: str) -> None:
        """Keep the id a token turned into, so it is looked up only once."""
        await self.redis.hset(self._state_key(tracking_id), "upstream_id", upstream_id)

    async def note_attempt(self, pending: Pending, reason: str) -> int:
        """Count a failed attempt; the entry stays pending for a later retry."""
        key = self._state_key(pending.tracking_id)
        attempts = int(await self.redis.hincrby(key, "attempts", 1))
        await self.redis.hset(key, mapping={"last_error": reason, "updated_at": time.time()})
        return attempts

    async def postpone(self, pending: Pending, when: float) -> None:
        await self.redis.hset(self._state_key(pending.tracking_id), "next_attempt_at", when)

    async def depth(self) -> int:
        return int(await self.redis.xlen(self.stream))

    async def ensure_group(self) -> None:
        """Create the delivery consumer group (and the stream) if they do not exist yet."""
        try:
            await self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def take(
        self, consumer: str, count: int, block_ms: int, reclaim_ms: int
    ) -> list[Pending]:
        """Entries to deliver: those left unacknowledged for ``reclaim_ms`` (by a worker that
        failed or died), then new ones, waiting up to ``block_ms`` for them."""
        reclaimed = await self.redis.xautoclaim(
            self.stream, GROUP, consumer, min_idle_time=reclaim_ms, start_id="0-0", count=count
        )
        entries = list(reclaimed[1])
        if len(entries) < count:
            fresh: Any = await self.redis.xreadgroup(
                GROUP, consumer, {self.stream: ">"}, count=count - len(entries), block=block_ms
            )
            entries += [entry for _stream, items in fresh or [] for entry in items]
        return [pending for entry in entries if (pending := await self._pending(entry))]

    async def _pending(self, entry: Any) -> Pending | None:
        entry_id, fields = _text(entry[0]), entry[1]
        if not fields:  # deleted while it was pending
            await self.redis.xack(self.stream, GROUP, entry_id)
            return None
        data = {_text(k): _text(v) for k, v in fields.items()}
        submission = submission_from(json.loads(data["submission"]))
        return Pending(entry_id, data["tracking_id"], submission)
