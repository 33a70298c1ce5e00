"""Events every replica hears: one Redis stream, read whole by each replica and handed on to
this process's listeners by topic.

One stream (a single key, so a Redis Cluster keeps it on one node) rather than pub/sub
channels: a replica reading it blocks on one connection however many topics its clients
follow, an event published while a reader reconnects is read when it is back (the stream
keeps the last ``EVENTS_KEPT``), and the same calls work on one server, Sentinel and a
cluster. Events are states ("the complaint is now SUBMITTED"), so a listener that falls
behind keeps the newest ``queue_size`` and loses the oldest, never holding the others up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from kotahub.store.redis_connection import REDIS_FAILURES, RedisClient, redis_text

log = logging.getLogger("kotahub.events")

EVENTS_KEPT = 10_000  # about; Redis trims whole nodes of the stream
READ_BLOCK_MS = 1_000
READ_BATCH = 256
QUEUE_SIZE = 64
RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Event:
    """One event: what it is about, what it says, and where it stands in the stream."""

    topic: str
    data: Mapping[str, Any]
    position: str


class EventStream:
    """Publishes events to the stream and hands the ones this process listens for on."""

    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        *,
        queue_size: int = QUEUE_SIZE,
        block_ms: int = READ_BLOCK_MS,
    ) -> None:
        self._redis = redis
        self.key = f"{prefix}:events"
        self._queue_size = queue_size
        self._block_ms = block_ms
        self._listeners: dict[str, set[asyncio.Queue[Event]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._position = "0-0"
        self._closing = False
        self._starting = asyncio.Lock()

    async def publish(self, topic: str, data: Mapping[str, Any]) -> str:
        """Adds an event for every replica; its position in the stream."""
        fields: dict[Any, Any] = {"topic": topic, "data": json.dumps(data, separators=(",", ":"))}
        added = await self._redis.xadd(self.key, fields, maxlen=EVENTS_KEPT, approximate=True)
        return redis_text(added)

    async def start(self) -> None:
        """Reads on from the stream's end as it is now, once (Redis errors raised here)."""
        async with self._starting:
            if self._reader is None:
                self._position, self._closing = await self._last_position(), False
                self._reader = asyncio.create_task(self._read(), name="kotahub events")

    @asynccontextmanager
    async def listen(self, topic: str) -> AsyncIterator[AsyncIterator[Event]]:
        """The events of ``topic`` published from now on, for as long as the block lasts."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        await self.start()
        self._listeners.setdefault(topic, set()).add(queue)
        try:
            yield _drained(queue)
        finally:
            listeners = self._listeners.get(topic, set())
            listeners.discard(queue)
            if not listeners:
                self._listeners.pop(topic, None)

    @property
    def listeners(self) -> int:
        return sum(len(queues) for queues in self._listeners.values())

    async def aclose(self) -> None:
        """Stops reading once the read in flight returns: a command cancelled midway can
        leave a cluster client reconnecting, so it is only cancelled when it overstays."""
        reader, self._reader = self._reader, None
        if reader is None:
            return
        self._closing = True
        try:
            await asyncio.wait_for(asyncio.shield(reader), self._block_ms / 1000 + RETRY_SECONDS)
        except TimeoutError:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def _last_position(self) -> str:
        last = await self._redis.xrevrange(self.key, count=1)
        return redis_text(last[0][0]) if last else "0-0"

    async def _read(self) -> None:
        told = False
        while not self._closing:
            try:
                found: Any = await self._redis.xread(
                    {self.key: self._position}, count=READ_BATCH, block=self._block_ms
                )
            except REDIS_FAILURES as exc:
                if not told:
                    log.warning("events: reading the stream failed (%s); trying again", exc)
                told = True
                await asyncio.sleep(RETRY_SECONDS)
                continue
            except Exception:  # never a reader that stopped in silence
                log.exception("events: reading the stream failed; trying again")
                await asyncio.sleep(RETRY_SECONDS)
                continue
            told = False
            for _key, entries in found or ():
                for position, fields in entries:
                    self._position = redis_text(position)
                    self._hand_on(self._position, fields)

    def _hand_on(self, position: str, fields: Mapping[Any, Any]) -> None:
        decoded = {redis_text(key): redis_text(value) for key, value in fields.items()}
        queues = self._listeners.get(decoded.get("topic", ""))
        if not queues:
            return
        try:
            event = Event(decoded["topic"], json.loads(decoded.get("data", "{}")), position)
        except ValueError:
            log.warning("events: entry %s of %s is not JSON; left out", position, self.key)
            return
        for queue in queues:
            if queue.full():  # a listener behind keeps the newest: events are states
                queue.get_nowait()
            queue.put_nowait(event)


async def _drained(queue: asyncio.Queue[Event]) -> AsyncIterator[Event]:
    while True:
        yield await queue.get()
