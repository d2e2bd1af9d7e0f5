--[[
  Starts rebuilding a campaign's hot state from PostgreSQL, only when that state is missing (Redis flushed, keys
  lost). While the stock counter is absent every reservation is refused NOT_FOUND, so nothing can race the rebuild.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta
    KEYS[2] stock left counter          tm:{c:<id>}:stock
    KEYS[3] units held per user hash    tm:{c:<id>}:users
    KEYS[4] (user, requestId) -> rsv id tm:{c:<id>}:requests
    KEYS[5] released reservation ids    tm:{c:<id>}:released
    KEYS[6] forming groups index (zset) tm:{c:<id>}:forming
    KEYS[7] rebuild lock                tm:{c:<id>}:rebuild

    ARGV[1] rebuild token
    ARGV[2] lock ms

  Output:
    1 rebuild started (half state cleared); 0 state present, nothing to do; -13 another rebuild holds the lock
]]
local metaKey, stockKey, usersKey, requestsKey, releasedKey, formingKey, lockKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local token, lockMs = ARGV[1], ARGV[2]

if redis.call('EXISTS', metaKey) == 1 and redis.call('EXISTS', stockKey) == 1 then return 0 end
if not redis.call('SET', lockKey, token, 'NX', 'PX', lockMs) then return -13 end
redis.call('DEL', stockKey, usersKey, requestsKey, releasedKey, formingKey)
return 1
