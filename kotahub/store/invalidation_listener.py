"""Hearing, over Redis pub/sub, that another replica dropped a source's cached data."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.asyncio.cluster import RedisCluster

from kotahub.store.generations import EVERYTHING, Generations
from kotahub.store.redis_connection import REDIS_FAILURES, RedisClient

log = logging.getLogger("kotahub.cache")
RETRY_SECONDS = 1.0


async def listen_for_invalidations(
    redis: RedisClient, channel: str, generations: Generations, stop: asyncio.Event
) -> None:
    """Forget a source's generation (and that of whole responses) as soon as another replica
    moves it; while Redis is away, generations are reread every few seconds anyway."""
    while not stop.is_set():
        try:
            if isinstance(redis, RedisCluster):
                await redis.initialize()  # its slot map, if Redis was away at start-up
            async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(channel)
                while not stop.is_set():
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        source = _text(message.get("data"))
                        generations.forget(source)
                        generations.forget(EVERYTHING)
        except REDIS_FAILURES as exc:
            log.debug("invalidation messages unavailable, retrying: %s", exc)
            await _pause(stop, RETRY_SECONDS)
        except Exception:  # e.g. a cluster client with no slot map yet: never end the task
            log.exception("listening for invalidations failed; retrying")
            await _pause(stop, RETRY_SECONDS)


def _text(data: object) -> str:
    return data.decode() if isinstance(data, bytes) else str(data)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
