--[[
  Acknowledges settled entries of a campaign's stream after their PostgreSQL commit: XACK, then XDEL so the stream
  holds only unsettled entries, and marks their reservation records settled.

  Input:
    KEYS[1] settlement stream           tm:{c:<id>}:stream

    ARGV[1] consumer group name
    ARGV[2..] entry id, reservation id pairs

  Output:
    number of entries acknowledged
]]
local streamKey = KEYS[1]
local groupName = ARGV[1]
local keyBase = string.sub(streamKey, 1, -7)

local ids = {}
for i = 2, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
  local recordKey = keyBase .. 'r:' .. ARGV[i + 1]
  if redis.call('HGET', recordKey, 'status') == 'pending' then redis.call('HSET', recordKey, 'status', 'settled') end
end
if #ids == 0 then return 0 end
local acked = redis.call('XACK', streamKey, groupName, unpack(ids))
redis.call('XDEL', streamKey, unpack(ids))
return acked
