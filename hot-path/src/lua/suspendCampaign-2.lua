--[[
  Takes a present hot state offline for a rebuild, because it came back behind PostgreSQL (an AOF cut short, a
  promoted lagging replica) or drifts from it: deletes the stock counter, so from this step on every reservation
  and release is refused -15 (metadata kept: a shopper hears "retry", never "not found") until the rebuild writes
  the counter again. Never while a rebuild holds the lock: its writes must not be cut in half.

  Input:
    KEYS[1] stock left counter          tm:{c:<id>}:stock
    KEYS[2] rebuild lock                tm:{c:<id>}:rebuild

  Output:
    1 suspended (or already without a counter); -13 a rebuild holds the lock
]]
local stockKey, lockKey = KEYS[1], KEYS[2]

if redis.call('EXISTS', lockKey) == 1 then return -13 end
redis.call('DEL', stockKey)
return 1
