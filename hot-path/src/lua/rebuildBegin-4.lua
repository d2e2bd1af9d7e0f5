--[[
  Starts rebuilding a campaign's hot state from PostgreSQL, only when that state is missing (Redis flushed, keys
  lost, suspended, or written by an older layout). While the units left are absent every reservation is refused,
  so nothing can race the rebuild.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (each shopper's holding is its field '@' .. userId)
    KEYS[2] released reservation ids    tm:{c:<id>}:released
    KEYS[3] forming groups index (zset) tm:{c:<id>}:forming
    KEYS[4] rebuild lock                tm:{c:<id>}:rebuild

    ARGV[1] rebuild token
    ARGV[2] lock ms

  Output:
    1 rebuild started (half state cleared); 0 state present, nothing to do; -13 another rebuild holds the lock
]]
local metaKey, releasedKey, formingKey, lockKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token, lockMs = ARGV[1], ARGV[2]
local keyBase = string.sub(metaKey, 1, -5)

if redis.call('HEXISTS', metaKey, 'left') == 1 then return 0 end
if not redis.call('SET', lockKey, token, 'NX', 'PX', lockMs) then return -13 end
-- The shoppers' holdings (fields '@' .. userId of the metadata) are not cleared here: a campaign's can be a million
-- fields, one script would stall every campaign of this Redis. The rebuilder scans them away in chunks under the
-- lock (rebuildChunk's `drop`) before it writes any.
-- The older layouts' keys (same slot: derived from KEYS[1]) go too: holdings in a hash of their own, a stock
-- counter, per-user counts and request ids; the rebuild writes their successors from PostgreSQL and the stream. So
-- do a stock bucket's moves: the rebuild recomputes every bucket's share, and its new generation refuses a move
-- step left over from before.
redis.call('DEL', releasedKey, formingKey, keyBase .. 'holdings', keyBase .. 'stock', keyBase .. 'users',
  keyBase .. 'requests', keyBase .. 'moves')
return 1
