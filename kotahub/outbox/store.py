"""The complaint outbox: submissions recorded in Redis before anyone is told "queued".

Keys, under the hub's cache prefix ``{p}`` (the Redis must not evict keys: ``noeviction``);
on a Redis Cluster the prefix is a hash tag (``{kotahub}:outbox``), so that they all live
in one slot, as the atomic scripts need:

- ``{p}:outbox`` — a stream with one entry per submission still to deliver (no contact
  details); the consumer group ``delivery`` tracks which worker holds which entry;
- ``{p}:contact:{tracking_id}`` — the reporter's contact details, deleted (not merely
  marked) the moment the submission is delivered or rejected;
- ``{p}:submission:{tracking_id}`` — the delivery state and the upstream's id or token
  (with ``unsure_since``, when the post under way began, and ``unsure:{began}``, when each
  earlier post that may have reached the source unheard of ended); kept for
  ``RETENTION_SECONDS`` once settled;
- ``{p}:claimed:{sha256(source, upstream id)}`` — the tracking id an upstream's complaint
  was delivered as, or found to be: no two submissions are settled with one upstream id;
- ``{p}:idempotency:{sha256(caller)}:{sha256(key)}`` — the tracking id a caller's
  idempotency key made; each caller (API key, else address) has keys of its own. Keys of
  the earlier layout, ``{p}:idempotency:{sha256(key)}``, shared by every caller, are no
  longer read (they cannot tell whose they are) and expire on their own.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeout

from kotahub.contract import UncertainPost
from kotahub.errors import ClientInputError, KotaHubError
from kotahub.outbox.scripts import RECORD, SETTLE
from kotahub.records import ComplaintSubmission, Contact, Delivery
from kotahub.store.redis_connection import REDIS_ERRORS, REDIS_FAILURES, RedisClient

GROUP = "delivery"
RETENTION_SECONDS = 90 * 24 * 3600
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_POST_SECONDS = 120.0  # the largest timeout_seconds of a source: no post lasts longer
MAX_UNCERTAIN_POSTS = 32  # kept per submission; a later one is not looked for, but resent


class OutboxUnavailable(KotaHubError):
    """The outbox could not record a submission (the message says whether it may have), or
    could not read where one stands."""

    code = "SERVICE_UNAVAILABLE"


class UnreadableEntry(ValueError):
    """An outbox entry that cannot be decoded (written by an incompatible version)."""

    def __init__(self, entry_id: str) -> None:
        super().__init__(f"outbox entry {entry_id} cannot be read")
        self.entry_id = entry_id


@dataclass(frozen=True, slots=True)
class Pending:
    """An outbox entry a worker is to deliver."""

    entry_id: str
    tracking_id: str
    submission: ComplaintSubmission


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """An idempotency key and the caller that sent it: a caller's keys are its own, so one
    that reuses another's key records a complaint of its own and learns nothing of theirs."""

    caller: str  # client_identity(): "key:NAME", else the client's address
    key: str

    def stored_under(self, prefix: str) -> str:
        caller = hashlib.sha256(self.caller.encode()).hexdigest()
        key = hashlib.sha256(self.key.encode()).hexdigest()
        return f"{prefix}:idempotency:{caller}:{key}"


def new_tracking_id() -> str:
    """``KH-`` and 20 random base-32 characters: unguessable, easy to read out."""
    return "KH-" + "".join(secrets.choice(ALPHABET) for _ in range(20))


class Outbox:
    """Records submissions, answers their state, and hands them to delivery workers."""

    def __init__(self, redis: RedisClient, prefix: str) -> None:
        if isinstance(redis, RedisCluster):
            prefix = f"{{{prefix}}}"  # a hash tag: the scripts' keys must share a slot
        self.redis = redis
        self.stream = f"{prefix}:outbox"
        self._prefix = prefix
        self._record = redis.register_script(RECORD)
        self._settle = redis.register_script(SETTLE)
        self._cursors: dict[str, str] = {}

    def state_key(self, tracking_id: str) -> str:
        return f"{self._prefix}:submission:{tracking_id}"

    def contact_key(self, tracking_id: str) -> str:
        return f"{self._prefix}:contact:{tracking_id}"

    async def record(
        self, submission: ComplaintSubmission, idempotency_key: IdempotencyKey | None
    ) -> Delivery:
        """Write the submission in one atomic step, or return what the same caller's same
        key made before."""
        queued = Delivery(
            new_tracking_id(),
            "QUEUED",
            submission.source,
            submission.category_code,
            time.time(),
            time.time(),
        )
        keys, args = self._record_call(queued, submission, idempotency_key)
        try:
            found, created, fingerprint = await self._record(keys=keys, args=args)
        except REDIS_ERRORS as exc:
            raise _unavailable(exc, idempotency_key) from exc
        if not created:
            return await self._earlier(_text(found), _text(fingerprint), submission)
        return queued

    def _record_call(
        self,
        queued: Delivery,
        submission: ComplaintSubmission,
        idempotency_key: IdempotencyKey | None,
    ) -> tuple[list[str], list[Any]]:
        """The keys and arguments of the RECORD script: the state without contact details,
        the contact details in their own key, and the stream entry without them."""
        state = {
            "status": "QUEUED",
            "source": queued.source,
            "category_code": queued.category_code,
            "created_at": queued.created_at,
            "updated_at": queued.updated_at,
            "fingerprint": submission.fingerprint(),
            "attempts": 0,
        }
        contact = {k: v for k, v in asdict(submission.contact).items() if v}
        payload = json.dumps(asdict(replace(submission, contact=Contact())))
        tracking_id = queued.tracking_id
        keys = [self.state_key(tracking_id), self.contact_key(tracking_id), self.stream]
        if idempotency_key is not None:
            keys.append(idempotency_key.stored_under(self._prefix))
        args = [
            tracking_id,
            RETENTION_SECONDS,
            payload,
            len(state),
            f"{self._prefix}:submission:",
            *_flat(state),
            *_flat(contact),
        ]
        return keys, args

    async def _earlier(
        self, tracking_id: str, fingerprint: str, submission: ComplaintSubmission
    ) -> Delivery:
        if fingerprint and fingerprint != submission.fingerprint():
            raise ClientInputError(
                "idempotencyKey was already used for a different complaint by this client; "
                "use a new key for a new complaint"
            )
        delivery = await self.delivery(tracking_id)
        if delivery is None:  # settled and expired since; the key still names it
            return Delivery(
                tracking_id, "SUBMITTED", submission.source, submission.category_code, 0, 0
            )
        return delivery

    async def delivery(self, tracking_id: str) -> Delivery | None:
        fields = await self.redis.hgetall(self.state_key(tracking_id))
        return delivery_from(tracking_id, fields) if fields else None

    async def tracked(self, tracking_id: str) -> Delivery | None:
        """The delivery state a client asks after; OutboxUnavailable while Redis is away
        (workers read ``delivery``, whose Redis errors stop their round)."""
        try:
            return await self.delivery(tracking_id)
        except REDIS_FAILURES as exc:
            raise OutboxUnavailable(
                "where complaints filed here stand cannot be read right now (the queue store "
                "does not answer); nothing is lost, please ask again shortly"
            ) from exc

    async def settle(self, pending: Pending, changes: Mapping[str, str]) -> bool:
        """Settle the submission: record its final outcome, drop its entry and its contact
        details; False if another worker had settled it already."""
        keys = [
            self.state_key(pending.tracking_id),
            self.contact_key(pending.tracking_id),
            self.stream,
        ]
        args = [
            GROUP,
            pending.entry_id,
            RETENTION_SECONDS,
            *_flat({**changes, "updated_at": time.time()}),
        ]
        return bool(await self._settle(keys=keys, args=args))

    async def note_failure(self, pending: Pending, reason: str) -> int:
        """Count a failed attempt; the entry stays pending for a later retry."""
        key = self.state_key(pending.tracking_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "attempts", 1)
            pipe.hset(key, mapping={"last_error": reason[:300], "updated_at": time.time()})
            attempts, _ = await pipe.execute()
        return int(attempts)

    async def postpone(self, pending: Pending, when: float) -> None:
        await self.redis.hset(self.state_key(pending.tracking_id), "next_attempt_at", when)

    async def begin_attempt(self, pending: Pending) -> list[UncertainPost]:
        """Note that a post of the submission begins; the earlier posts that may have reached
        the source unheard of (an answer lost, or a worker that died mid-post), oldest first."""
        key = self.state_key(pending.tracking_id)
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            pipe.hsetnx(key, "unsure_since", now)  # the usual case: one round trip in all
            stored, _ = await pipe.execute()
        fields = {_text(k): _text(v) for k, v in stored.items()}
        posts = _uncertain_posts(fields)
        died = fields.get("unsure_since")  # a post began and no one heard how it ended
        if died is not None:
            async with self.redis.pipeline(transaction=True) as pipe:
                if len(posts) < MAX_UNCERTAIN_POSTS:
                    ended = min(now, float(died) + MAX_POST_SECONDS)
                    pipe.hset(key, f"unsure:{died}", ended)
                    posts.append((float(died), ended))
                pipe.hset(key, "unsure_since", now)
                await pipe.execute()
        return [UncertainPost(_moment(began), _moment(ended)) for began, ended in sorted(posts)]

    async def end_attempt(self, pending: Pending, unsure: bool) -> None:
        """Note that the post under way failed: kept to be looked for when it may have
        reached the source (``unsure``), forgotten when it surely did not; the earlier
        uncertain posts are kept either way, until the submission is settled."""
        key = self.state_key(pending.tracking_id)
        fields = {_text(k): _text(v) for k, v in (await self.redis.hgetall(key)).items()}
        began = fields.get("unsure_since")
        room = len(_uncertain_posts(fields)) < MAX_UNCERTAIN_POSTS
        async with self.redis.pipeline(transaction=True) as pipe:
            if unsure and began is not None and room:
                pipe.hset(key, f"unsure:{began}", time.time())
            pipe.hdel(key, "unsure_since")
            await pipe.execute()

    async def claim(self, pending: Pending, upstream_id: str) -> bool:
        """Claim an upstream's complaint for this submission; False if another has it."""
        key = self.claim_key(pending.submission.source, upstream_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, pending.tracking_id, nx=True, ex=RETENTION_SECONDS)
            pipe.get(key)
            _, owner = await pipe.execute()
        return owner is not None and _text(owner) == pending.tracking_id

    async def unclaimed(self, pending: Pending, upstream_ids: Sequence[str]) -> list[str]:
        """Those of the upstream's complaints no other submission has claimed."""
        if not upstream_ids:
            return []
        async with self.redis.pipeline(transaction=True) as pipe:
            for upstream_id in upstream_ids:
                pipe.get(self.claim_key(pending.submission.source, upstream_id))
            owners = await pipe.execute()
        return [
            upstream_id
            for upstream_id, owner in zip(upstream_ids, owners, strict=True)
            if owner is None or _text(owner) == pending.tracking_id
        ]

    def claim_key(self, source: str, upstream_id: str) -> str:
        digest = hashlib.sha256(f"{source}\n{upstream_id}".encode()).hexdigest()
        return f"{self._prefix}:claimed:{digest}"

    async def remember_upstream_id(self, tracking_id: str, upstream_id: str) -> None:
        """Keep the id a token turned into, so it is looked up only once."""
        await self.redis.hset(self.state_key(tracking_id), "upstream_id", upstream_id)

    async def depth(self) -> int:
        return int(await self.redis.xlen(self.stream))

    async def ensure_group(self) -> None:
        """Create the delivery consumer group (and the stream) if they do not exist yet."""
        try:
            await self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def hold(self, consumer: str, pending: Pending) -> bool:
        """Whether ``consumer`` still holds the entry (another worker may have reclaimed it
        while it waited); if so its idle clock restarts, so no one reclaims it mid-post."""
        owner: Any = await self.redis.xpending_range(
            self.stream, GROUP, min=pending.entry_id, max=pending.entry_id, count=1
        )
        if not owner or _text(owner[0]["consumer"]) != consumer:
            return False
        await self.redis.xclaim(self.stream, GROUP, consumer, 0, [pending.entry_id], justid=True)
        return True

    async def take(self, consumer: str, count: int, block_ms: int, reclaim_ms: int) -> list[Any]:
        """Raw entries to look at: this worker's own pending ones, those other workers left
        idle for ``reclaim_ms`` (they died), then new ones (waiting up to ``block_ms``)."""
        own: Any = await self.redis.xreadgroup(GROUP, consumer, {self.stream: "0"}, count=count * 5)
        entries = [entry for _stream, items in own or [] for entry in items]
        cursor = self._cursors.get(consumer, "0-0")
        reclaimed: Any = await self.redis.xautoclaim(
            self.stream, GROUP, consumer, min_idle_time=reclaim_ms, start_id=cursor, count=count
        )
        self._cursors[consumer] = _text(reclaimed[0])
        entries += list(reclaimed[1])
        fresh: Any = await self.redis.xreadgroup(
            GROUP, consumer, {self.stream: ">"}, count=count, block=None if entries else block_ms
        )
        return entries + [entry for _stream, items in fresh or [] for entry in items]

    async def pending_of(self, entry: Any) -> Pending:
        """The submission an entry holds, with its contact details; UnreadableEntry if none."""
        entry_id, fields = _text(entry[0]), entry[1] or {}
        try:
            data = {_text(k): _text(v) for k, v in fields.items()}
            submission = submission_from(json.loads(data["submission"]))
            tracking_id = data["tracking_id"]
        except (KeyError, ValueError, TypeError) as exc:
            raise UnreadableEntry(entry_id) from exc
        stored = await self.redis.hgetall(self.contact_key(tracking_id))
        contact = Contact(**{_text(k): _text(v) for k, v in stored.items()})
        return Pending(entry_id, tracking_id, replace(submission, contact=contact))

    async def discard(self, entry_id: str) -> None:
        """Drop an entry that cannot be delivered at all (it cannot even be read)."""
        await self.redis.xack(self.stream, GROUP, entry_id)
        await self.redis.xdel(self.stream, entry_id)


def submission_from(data: Mapping[str, Any]) -> ComplaintSubmission:
    fields = {**data, "contact": Contact(), "attributes": dict(data.get("attributes") or {})}
    return ComplaintSubmission(**fields)


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


def _unavailable(exc: Exception, idempotency_key: IdempotencyKey | None) -> OutboxUnavailable:
    if isinstance(exc, RedisTimeout):
        advice = (
            "send it again with the same idempotencyKey, which will not record it twice"
            if idempotency_key is not None
            else "check with complaint(trackingId) before sending it again"
        )
        return OutboxUnavailable(f"the queue store did not confirm the complaint in time; {advice}")
    return OutboxUnavailable(
        "complaints cannot be recorded right now (the queue store does not answer); "
        "nothing was saved, please try again shortly"
    )


def _uncertain_posts(fields: Mapping[str, str]) -> list[tuple[float, float]]:
    prefix = "unsure:"
    return [(float(k[len(prefix) :]), float(v)) for k, v in fields.items() if k.startswith(prefix)]


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _flat(mapping: Mapping[str, Any]) -> list[Any]:
    return [item for pair in mapping.items() for item in pair]


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
