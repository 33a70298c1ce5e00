"""The outbox's atomic steps, as Redis Lua scripts."""

from __future__ import annotations

# KEYS: state hash, contact hash, stream, then the idempotency key when there is one.
# ARGV: tracking id, retention seconds, stream payload, n, state key prefix, then n state
#       field/value pairs, then contact field/value pairs.
# Returns {tracking id, created (1/0), the earlier submission's fingerprint}.
RECORD = """
if KEYS[4] then
  local earlier = redis.call('GET', KEYS[4])
  if earlier then
    return {earlier, 0, redis.call('HGET', ARGV[5] .. earlier, 'fingerprint') or ''}
  end
  redis.call('SET', KEYS[4], ARGV[1], 'EX', ARGV[2])
end
local n = tonumber(ARGV[4])
local state = {}
for i = 6, 5 + 2 * n do state[#state + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(state))
if #ARGV > 5 + 2 * n then
  local contact = {}
  for i = 6 + 2 * n, #ARGV do contact[#contact + 1] = ARGV[i] end
  redis.call('HSET', KEYS[2], unpack(contact))
end
redis.call('XADD', KEYS[3], '*', 'tracking_id', ARGV[1], 'submission', ARGV[3])
return {ARGV[1], 1, ''}
"""

# KEYS: state hash, contact hash, stream. ARGV: group, entry id, retention, field/value pairs.
# Only a QUEUED submission is settled: a second worker that raced this one changes nothing.
SETTLE = """
local applied = 0
if redis.call('HGET', KEYS[1], 'status') == 'QUEUED' then
  local changes = {}
  for i = 4, #ARGV do changes[#changes + 1] = ARGV[i] end
  redis.call('HSET', KEYS[1], unpack(changes))
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  applied = 1
end
redis.call('DEL', KEYS[2])
redis.call('XACK', KEYS[3], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[3], ARGV[2])
return applied
"""
