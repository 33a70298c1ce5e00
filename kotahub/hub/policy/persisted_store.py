"""Automatically persisted documents in Redis, bounded in number, in bytes and in time."""

from __future__ import annotations

from dataclasses import dataclass

from kotahub.store.cache import FallbackStore, RedisStore


@dataclass(frozen=True, slots=True)
class DocumentBounds:
    keep_seconds: float
    max_documents: int
    max_bytes: int


# One atomic step: forget what expired, make room by dropping the oldest, keep the new one.
# The documents it drops are found first, then dropped only if their keys were declared (as
# proxies that route scripts by their keys require); else nothing changes, and it answers
# the digests whose keys to declare next time.
# KEYS: the index (digest by expiry, ms), each digest's size, the total size, the document,
# then the keys of documents that may be dropped.
# ARGV: digest, document, keep (ms), most documents, most bytes, then the digests of those
# documents, in the same order.
_KEEP = """
local index, sizes, total, key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local digest, document, keep = ARGV[1], ARGV[2], tonumber(ARGV[3])
local most, budget, size = tonumber(ARGV[4]), tonumber(ARGV[5]), string.len(ARGV[2])
local declared = {[digest] = key}
for n = 5, #KEYS do declared[ARGV[n + 1]] = KEYS[n] end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local new = not redis.call('ZSCORE', index, digest)
local function doomed()
  local found, count = {}, redis.call('ZCARD', index)
  local bytes = tonumber(redis.call('GET', total) or '0')
  for start = 0, count - 1, 100 do
    local batch = redis.call('ZRANGE', index, start, start + 99, 'WITHSCORES')
    for n = 1, #batch, 2 do
      local old = batch[n]
      local expired = tonumber(batch[n + 1]) <= now and #found < 100
      local crowded = new and size <= budget and (count >= most or bytes + size > budget)
      if not (expired or crowded) then return found end
      found[#found + 1] = old
      count = count - 1
      bytes = bytes - tonumber(redis.call('HGET', sizes, old) or '0')
      if old == digest then new = true end
    end
  end
  return found
end
local found = doomed()
for _, old in ipairs(found) do
  if not declared[old] then return found end
end
for _, old in ipairs(found) do
  redis.call('DECRBY', total, tonumber(redis.call('HGET', sizes, old) or '0'))
  redis.call('HDEL', sizes, old)
  redis.call('ZREM', index, old)
  redis.call('DEL', declared[old])
end
if redis.call('ZCARD', index) == 0 then redis.call('SET', total, 0) end
if size > budget then return 0 end
if new then
  redis.call('HSET', sizes, digest, size)
  redis.call('INCRBY', total, size)
end
redis.call('SET', key, document, 'PX', keep)
redis.call('ZADD', index, now + keep, digest)
for _, bookkeeping in ipairs({index, sizes, total}) do redis.call('PEXPIRE', bookkeeping, keep) end
return 1
"""
_ATTEMPTS = 4  # each one after the first finds the oldest moved by other replicas meanwhile


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
        """Keep the document; False when it is larger than all the room there is (or, rarely,
        when other replicas kept changing the oldest while room was being made)."""
        kept = await self._store.on_redis(lambda redis: self._keep(redis, digest, document))
        if kept is None:  # Redis is away: this replica keeps it in its bounded memory
            await self._store.set(self.key(digest), document.encode(), self._bounds.keep_seconds)
            return True
        return kept

    async def _keep(self, redis: RedisStore, digest: str, document: str) -> bool:
        bounds, tag = self._bounds, self._tag
        keys = [f"{tag}:index", f"{tag}:sizes", f"{tag}:bytes", self.key(digest)]
        keep_ms = max(1, int(bounds.keep_seconds * 1000))
        args = [digest, document, keep_ms, bounds.max_documents, bounds.max_bytes]
        dropped: list[str] = []
        for _ in range(_ATTEMPTS):
            declared = [*keys, *map(self.key, dropped)]
            answer = await redis.evaluate(_KEEP, declared, [*args, *dropped])
            if not isinstance(answer, list):
                return bool(answer)
            dropped = [_text(old) for old in answer]
        return False


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
