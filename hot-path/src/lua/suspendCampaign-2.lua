--[[
  Takes a present hot state offline for a rebuild, because it came back behind PostgreSQL (an AOF cut short, a
  promoted lagging replica) or drifts from it: deletes the units left, so from this step on every reservation
  and release is refused -15 (the rest of the metadata kept: a shopper hears "retry", never "not found") until the
  rebuild writes them again. Never while a rebuild holds the lock: its writes must not be cut in half.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta
    KEYS[2] rebuild lock                tm:{c:<id>}:rebuild

  Output:
    1 suspended (or already without units left); -13 a rebuild holds the lock
]]
local metaKey, lockKey = KEYS[1], KEYS[2]

if redis.call('EXISTS', lockKey) == 1 then return -13 end
redis.call('HDEL', metaKey, 'left')
return 1
