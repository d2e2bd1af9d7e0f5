--[[
  Writes one chunk of a rebuild: user counts, request ids, released ids, reservation records, forming groups.
  Record and group keys are derived from KEYS[1] and carry the campaign's hash tag, so they live on its slot.

  Input:
    KEYS[1] stock left counter          tm:{c:<id>}:stock
    KEYS[2] units held per user hash    tm:{c:<id>}:users
    KEYS[3] (user, requestId) -> rsv id tm:{c:<id>}:requests
    KEYS[4] released reservation ids    tm:{c:<id>}:released
    KEYS[5] forming groups index (zset) tm:{c:<id>}:forming
    KEYS[6] rebuild lock                tm:{c:<id>}:rebuild

    ARGV[1] rebuild token
    ARGV[2] JSON object: users (list of userId, units pairs), requests (list of userId, requestId, rsvId
            triples), released (list of rsvId), records (list of {id, fields, expireAtMs}), groups (list of
            {id, fields, expireAtMs, forming, taken})

  Output:
    1 written; -13 the lock is not ours or the state came back meanwhile
]]
local stockKey, usersKey, requestsKey, releasedKey, formingKey, lockKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local token = ARGV[1]
local chunk = cjson.decode(ARGV[2])
local keyBase = string.sub(stockKey, 1, -6)

--- @include "includes/requestField"

if redis.call('GET', lockKey) ~= token or redis.call('EXISTS', stockKey) == 1 then return -13 end

for _, u in ipairs(chunk.users) do redis.call('HINCRBY', usersKey, u[1], u[2]) end
for _, q in ipairs(chunk.requests) do redis.call('HSET', requestsKey, requestField(q[1], q[2]), q[3]) end
for _, id in ipairs(chunk.released) do redis.call('SADD', releasedKey, id) end
for _, r in ipairs(chunk.records) do
  local key = keyBase .. 'r:' .. r.id
  redis.call('DEL', key)
  redis.call('HSET', key, unpack(r.fields))
  redis.call('PEXPIREAT', key, r.expireAtMs)
end
for _, g in ipairs(chunk.groups) do
  local key = keyBase .. 'g:' .. g.id
  redis.call('DEL', key)
  redis.call('HSET', key, unpack(g.fields))
  redis.call('PEXPIREAT', key, g.expireAtMs)
  if g.forming then redis.call('ZADD', formingKey, g.taken, g.id) end
end
return 1
