--[[
  Writes one chunk of a rebuild: users' holdings, released ids, forming groups (holdings and groups are fields of
  the metadata hash: see includes/recordReservation, includes/groupField).

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (each shopper's holding is its field '@' .. userId)
    KEYS[2] released reservation ids    tm:{c:<id>}:released
    KEYS[3] forming groups index (zset) tm:{c:<id>}:forming
    KEYS[4] rebuild lock                tm:{c:<id>}:rebuild

    ARGV[1] rebuild token
    ARGV[2] JSON object: holdings (list of userId, holding pairs: see recordReservation), released (list of
            rsvId), groups (list of {id, value, expiresAt, forming}: the group's field, see includes/groupField),
            drop (optional: metadata fields of holdings and groups from before the rebuild, deleted first)

  Output:
    1 written; -13 the lock is not ours or the state came back meanwhile
]]
local metaKey, releasedKey, formingKey, lockKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local token = ARGV[1]
local chunk = cjson.decode(ARGV[2])

if redis.call('GET', lockKey) ~= token or redis.call('HEXISTS', metaKey, 'left') == 1 then return -13 end

if chunk.drop and #chunk.drop > 0 then redis.call('HDEL', metaKey, unpack(chunk.drop)) end
for _, h in ipairs(chunk.holdings) do redis.call('HSET', metaKey, '@' .. h[1], h[2]) end
for _, id in ipairs(chunk.released) do redis.call('SADD', releasedKey, id) end
for _, g in ipairs(chunk.groups) do
  redis.call('HSET', metaKey, '#' .. g.id, g.value)
  if g.forming then redis.call('ZADD', formingKey, g.expiresAt, g.id) end
end
return 1
