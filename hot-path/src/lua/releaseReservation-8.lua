--[[
  Releases one reservation exactly once: its units go back to stock, the user's count goes down, its group slot is
  freed while the group is still forming, and a release entry is appended for settlement (which cancels the order,
  or writes it as cancelled if it never settled).

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta
    KEYS[2] stock left counter          tm:{c:<id>}:stock
    KEYS[3] units held per user hash    tm:{c:<id>}:users
    KEYS[4] released reservation ids    tm:{c:<id>}:released
    KEYS[5] settlement stream           tm:{c:<id>}:stream
    KEYS[6] the reservation record      tm:{c:<id>}:r:<reservationId>
    KEYS[7] the group hash (or g:)      tm:{c:<id>}:g:<groupId>
    KEYS[8] forming groups index (zset) tm:{c:<id>}:forming

    ARGV[1] reservationId
    ARGV[2] now, epoch ms
    ARGV[3] floor generation  } as for a reservation: a hot state behind the position the caller knows is refused
    ARGV[4] floor seq         } -15 (its released set is old: a release applied there could be applied twice)

  Output:
    {1, gen, seq} released now (the campaign's position after it); 0 already released or unknown reservation;
    -1 campaign hot state missing, -15 behind (the release is committed in PostgreSQL: the rebuild counts it)
]]
local metaKey, stockKey, usersKey, releasedKey, streamKey, recordKey, groupKey, formingKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local rsvId, nowMs = ARGV[1], ARGV[2]
local floorGen, floorSeq = tonumber(ARGV[3]), tonumber(ARGV[4])

if redis.call('EXISTS', stockKey) == 0 then return -1 end
local pos = redis.call('HMGET', metaKey, 'gen', 'seq')
local gen, seq = tonumber(pos[1] or '0'), tonumber(pos[2] or '0')
if gen < floorGen or (gen == floorGen and seq < floorSeq) then return -15 end
-- Only a recorded reservation can give units back: an unknown id must never create stock.
if redis.call('EXISTS', recordKey) == 0 then return 0 end
if redis.call('SADD', releasedKey, rsvId) == 0 then return 0 end

local r = redis.call('HMGET', recordKey, 'userId', 'quantity', 'groupId', 'slot', 'requestId', 'unitPriceFen',
  'createdAt', 'expiresAt')
local userId, quantity = r[1], tonumber(r[2])
redis.call('INCRBY', stockKey, quantity)
if redis.call('HINCRBY', usersKey, userId, -quantity) <= 0 then redis.call('HDEL', usersKey, userId) end
redis.call('HSET', recordKey, 'status', 'released')

local m = redis.call('HMGET', metaKey, 'type', 'skuId', 'title', 'dryRun')
seq = redis.call('HINCRBY', metaKey, 'seq', 1)
local entry = {
  kind = 'release', reservationId = rsvId, userId = userId, requestId = r[5], quantity = r[2],
  unitPriceFen = r[6], createdAt = r[7], expiresAt = r[8], releasedAt = nowMs,
  campaignType = m[1], skuId = m[2], title = m[3], dryRun = m[4], gen = gen, seq = seq
}
if r[3] then
  entry.groupId = r[3]
  entry.slot = r[4]
  local g = redis.call('HMGET', groupKey, 'status', 'leaderId', 'size', 'createdAt', 'expiresAt')
  entry.groupLeaderId = g[2]
  entry.groupSize = g[3]
  entry.groupCreatedAt = g[4]
  entry.groupExpiresAt = g[5]
  if g[1] == 'forming' and redis.call('HGET', groupKey, 'u:' .. userId) == r[4] then
    redis.call('HDEL', groupKey, 'u:' .. userId, 's:' .. r[4])
    local taken = redis.call('HINCRBY', groupKey, 'taken', -1)
    redis.call('ZADD', formingKey, taken, r[3])
  end
end
redis.call('XADD', streamKey, '*', 'e', cjson.encode(entry))
return {1, gen, seq}
