--[[
  Releases one reservation exactly once: its units go back to stock, the user's count goes down, its line in the
  user's holding turns released, its group slot is freed while the group is still forming, and a release entry is
  appended for settlement (which cancels the order, or writes it as cancelled if it never settled).

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (with the units left, the position and each shopper's
                                        holding, field '@' .. userId)
    KEYS[2] released reservation ids    tm:{c:<id>}:released
    KEYS[3] settlement stream           tm:{c:<id>}:stream
    KEYS[4] the group hash (or g:)      tm:{c:<id>}:g:<groupId>
    KEYS[5] forming groups index (zset) tm:{c:<id>}:forming

    ARGV[1] reservationId
    ARGV[2] userId (whose holding has the reservation)
    ARGV[3] now, epoch ms
    ARGV[4] floor generation  } as for a reservation: a hot state behind the position the caller knows is refused
    ARGV[5] floor seq         } -15 (its released set is old: a release applied there could be applied twice)

  Output:
    {1, gen, seq} released now (the campaign's position after it); 0 already released or unknown reservation;
    -1 campaign hot state missing, -15 behind (the release is committed in PostgreSQL: the rebuild counts it)
]]
local metaKey, releasedKey, streamKey, groupKey, formingKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local rsvId, userId, nowMs = ARGV[1], ARGV[2], ARGV[3]
local floorGen, floorSeq = tonumber(ARGV[4]), tonumber(ARGV[5])

local m = redis.call('HMGET', metaKey, 'left', 'gen', 'seq', 'facts', '@' .. userId)
if not m[1] then return -1 end
local gen, seq = tonumber(m[2] or '0'), tonumber(m[3] or '0')
if gen < floorGen or (gen == floorGen and seq < floorSeq) then return -15 end
-- Only a recorded reservation can give units back: an unknown id must never create stock.
local holding = m[5]
if not holding or not string.find(holding, '\t' .. rsvId .. '\t', 1, true) then return 0 end
if redis.call('SADD', releasedKey, rsvId) == 0 then return 0 end

-- The holding again, with this reservation's line released and the units it held given back.
local out, line, f = {}, nil, nil
for l in string.gmatch(holding, '[^\n]+') do
  if #out > 0 and not line then
    local fields = {}
    for v in string.gmatch(l .. '\t', '([^\t]*)\t') do fields[#fields + 1] = v end
    if fields[3] == rsvId then
      if fields[10] == 'r' then return 0 end
      fields[10] = 'r'
      f = fields
      line = table.concat(fields, '\t')
      l = line
    end
  end
  out[#out + 1] = l
end
if not line then return 0 end
local quantity = tonumber(f[4])
out[1] = tostring(math.max(0, tonumber(out[1]) - quantity))
seq = seq + 1
redis.call('HSET', metaKey, 'left', tonumber(m[1]) + quantity, 'seq', seq, '@' .. userId, table.concat(out, '\n'))

local entry = {'u', userId, 'r', line, 'f', m[4] or '', 'x', nowMs, 'p', gen .. '\t' .. seq}
local groupId, slot = f[11], f[12]
if groupId and groupId ~= '' then
  local g = redis.call('HMGET', groupKey, 'status', 'leaderId', 'size', 'createdAt', 'expiresAt', 'u:' .. userId)
  entry[#entry + 1] = 'g'
  entry[#entry + 1] = (g[2] or '') .. '\t' .. (g[3] or '') .. '\t' .. (g[4] or '') .. '\t' .. (g[5] or '')
  if g[1] == 'forming' and g[6] == slot then
    redis.call('HDEL', groupKey, 'u:' .. userId, 's:' .. slot)
    local taken = redis.call('HINCRBY', groupKey, 'taken', -1)
    redis.call('ZADD', formingKey, taken, groupId)
  end
end
redis.call('XADD', streamKey, '*', unpack(entry))
return {1, gen, seq}
