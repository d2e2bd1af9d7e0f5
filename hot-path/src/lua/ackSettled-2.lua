--[[
  Acknowledges settled entries of a campaign's stream after their PostgreSQL commit: XACK, then XDEL so the stream
  holds only unsettled entries, and marks their reservation records settled.

  Input:
    KEYS[1] settlement stream           tm:{c:<id>}:stream
    KEYS[2] campaign metadata hash      tm:{c:<id>}:meta

    ARGV[1] consumer group name
    ARGV[2..] entry id, reservation id pairs

  Output:
    {number of entries acknowledged, gen, seq}: gen, seq the campaign's position, which can never be behind the
    entries just settled unless this Redis came back from an older copy
]]
local streamKey, metaKey = KEYS[1], KEYS[2]
local groupName = ARGV[1]
local keyBase = string.sub(streamKey, 1, -7)

local ids = {}
for i = 2, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
  local recordKey = keyBase .. 'r:' .. ARGV[i + 1]
  if redis.call('HGET', recordKey, 'status') == 'pending' then redis.call('HSET', recordKey, 'status', 'settled') end
end
local pos = redis.call('HMGET', metaKey, 'gen', 'seq')
local gen, seq = tonumber(pos[1] or '0'), tonumber(pos[2] or '0')
if #ids == 0 then return {0, gen, seq} end
local acked = redis.call('XACK', streamKey, groupName, unpack(ids))
redis.call('XDEL', streamKey, unpack(ids))
return {acked, gen, seq}
