--[[
  Acknowledges settled entries of a campaign's stream after their PostgreSQL commit: XACK, then XDEL so the stream
  holds only unsettled entries, and moves the campaign's acknowledged position up to the batch's: a reservation
  whose line is pending at or below it has settled (settlement commits a campaign's entries in stream order), so
  no reservation is written to here.

  Input:
    KEYS[1] settlement stream           tm:{c:<id>}:stream
    KEYS[2] campaign metadata hash      tm:{c:<id>}:meta

    ARGV[1] consumer group name
    ARGV[2] settled generation  } the latest position of the batch ('' when its entries carry none); never moves
    ARGV[3] settled seq         } the acknowledged position back, nor past the campaign's own position
    ARGV[4..] entry ids

  Output:
    {number of entries acknowledged, gen, seq}: gen, seq the campaign's position, which can never be behind the
    entries just settled unless this Redis came back from an older copy
]]
local streamKey, metaKey = KEYS[1], KEYS[2]
local groupName = ARGV[1]
local settledGen, settledSeq = tonumber(ARGV[2]), tonumber(ARGV[3])

local pos = redis.call('HMGET', metaKey, 'gen', 'seq', 'ackGen', 'ackSeq', 'type')
local gen, seq = tonumber(pos[1] or '0'), tonumber(pos[2] or '0')
if settledGen and pos[5] then
  local ackGen, ackSeq = tonumber(pos[3] or '0'), tonumber(pos[4] or '0')
  local ahead = settledGen > ackGen or (settledGen == ackGen and settledSeq > ackSeq)
  local within = settledGen < gen or (settledGen == gen and settledSeq <= seq)
  if ahead and within then redis.call('HSET', metaKey, 'ackGen', settledGen, 'ackSeq', settledSeq) end
end
if #ARGV < 4 then return {0, gen, seq} end
local ids = {}
for i = 4, #ARGV do ids[#ids + 1] = ARGV[i] end
local acked = redis.call('XACK', streamKey, groupName, unpack(ids))
redis.call('XDEL', streamKey, unpack(ids))
return {acked, gen, seq}
