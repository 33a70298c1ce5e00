"""Where rate limits are counted: the hub's own Redis client, whichever way Redis is deployed."""

from __future__ import annotations

from typing import cast

from limits.aio.storage import RedisClusterStorage, RedisStorage, Storage
from limits.aio.storage.redis.redispy import RedispyBridge
from redis.asyncio.cluster import RedisCluster

from kotahub.store.redis_connection import RedisClient


def shared_counts(redis: RedisClient, prefix: str) -> Storage:
    """Counters that every replica sharing this Redis sees, under ``{prefix}:rate``; the
    ``limits`` library tags each limit's keys so that its windows share a cluster slot."""
    key_prefix = f"{prefix}:rate"
    if isinstance(redis, RedisCluster):
        return _ClusterCounts(redis, key_prefix)
    return RedisStorage(
        "async+redis://",
        implementation="redispy",
        key_prefix=key_prefix,
        wrap_exceptions=True,
        connection_pool=redis.connection_pool,  # type: ignore[arg-type]  # for redis-py
    )


class _ClusterCounts(RedisClusterStorage):
    """``limits``' cluster storage on the hub's cluster client, rather than a client of its
    own that nothing would close (the library takes a pool, never a client, otherwise)."""

    def __init__(self, client: RedisCluster, key_prefix: str) -> None:
        self._client = client
        super().__init__(
            "async+redis+cluster://hub-cluster:6379",  # never dialled: the client is ours
            implementation="redispy",
            key_prefix=key_prefix,
            wrap_exceptions=True,
        )

    def configure_bridge(self) -> None:
        # What the library's bridge does for a pool, done for a cluster client.
        bridge = cast(RedispyBridge, self.bridge)
        bridge.storage = self._client
        bridge.connection_getter = lambda _readonly: self._client  # type: ignore[assignment,return-value]
