"""Automatically persisted documents in Redis, bounded in number, in bytes and in time."""

from __future__ import annotations

from dataclasses import dataclass

from kotahub.hub.cache import FallbackStore, RedisStore


@dataclass(frozen=True, slots=True)
class DocumentBounds:
    keep_seconds: float
    max_documents: int
    max_bytes: int


# One atomic step: forget what expired, make room by dropping the oldest, keep the new one.
# KEYS: the index (digest by expiry, ms), each digest's size, the total size, the document.
# ARGV: digest, document, keep (ms), most documents, most bytes, the documents' key prefix.
_KEEP = """
local index, sizes, total, key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local digest, document, keep = ARGV[1], ARGV[2], tonumber(ARGV[3])
local most, budget, size = tonumber(ARGV[4]), tonumber(ARGV[5]), string.len(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function drop(old)
  redis.call('DECRBY', total, tonumber(redis.call('HGET', sizes, old) or '0'))
  redis.call('HDEL', sizes, old)
  redis.call('ZREM', index, old)
  redis.call('DEL', ARGV[6] .. old)
end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, 100)) do
  drop(old)
end
if size > budget then return 0 end
if not redis.call('ZSCORE', index, digest) then
  while redis.call('ZCARD', index) >= most
      or tonumber(redis.call('GET', total) or '0') + size > budget do
    local oldest = redis.call('ZRANGE', index, 0, 0)[1]
    if not oldest then redis.call('SET', total, 0) break end
    drop(oldest)
  end
  redis.call('HSET', sizes, digest, size)
  redis.call('INCRBY', total, size)
end
redis.call('SET', key, document, 'PX', keep)
redis.call('ZADD', index, now + keep, digest)
for _, bookkeeping in ipairs({index, sizes, total}) do redis.call('PEXPIRE', bookkeeping, keep) end
return 1
"""


class PersistedDocuments:
    """Documents by hash, shared by the replicas through Redis (in memory while it is away).

    At most ``max_documents`` and ``max_bytes`` are kept, each for ``keep_seconds`` after it
    was last sent; the oldest make room for a new one. All the keys share one hash tag, so
    that on a cluster the one script that bounds them reaches them all.
    """

    def __init__(self, store: FallbackStore, prefix: str, bounds: DocumentBounds) -> None:
        self._store = store
        self._tag = f"{{{prefix}:apq}}"
        self._bounds = bounds

    def key(self, digest: str) -> str:
        return f"{self._tag}:doc:{digest}"

    async def get(self, digest: str) -> str | None:
        stored = await self._store.get(self.key(digest))
        return None if stored is None else stored.decode()

    async def keep(self, digest: str, document: str) -> bool:
        """Keep the document; False when it is larger than all the room there is."""
        kept = await self._store.on_redis(lambda redis: self._keep(redis, digest, document))
        if kept is None:  # Redis is away: this replica keeps it in its bounded memory
            await self._store.set(self.key(digest), document.encode(), self._bounds.keep_seconds)
            return True
        return kept

    async def _keep(self, redis: RedisStore, digest: str, document: str) -> bool:
        bounds, tag = self._bounds, self._tag
        keys = [f"{tag}:index", f"{tag}:sizes", f"{tag}:bytes", self.key(digest)]
        keep_ms = max(1, int(bounds.keep_seconds * 1000))
        args = [digest, document, keep_ms, bounds.max_documents, bounds.max_bytes, f"{tag}:doc:"]
        return bool(await redis.evaluate(_KEEP, keys, args))
