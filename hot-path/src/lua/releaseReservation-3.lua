--[[
  Releases one reservation exactly once: its units go back to stock, the user's count goes down, its line in the
  user's holding turns released, its group slot is freed while the group is still forming, and a release entry is
  appended for settlement (which cancels the order, or writes it as cancelled if it never settled).

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (with the units left, the position, each shopper's
                                        holding, field '@' .. userId, and each group, field '#' .. groupId)
    KEYS[2] released reservation ids    tm:{c:<id>}:released
    KEYS[3] settlement stream           tm:{c:<id>}:stream

    ARGV[1] reservationId
    ARGV[2] userId (whose holding has the reservation)
    ARGV[3] now, epoch ms
    ARGV[4] floor generation  } as for a reservation: a hot state behind the position the caller knows is refused
    ARGV[5] floor seq         } -15 (its released set is old: a release applied there could be applied twice)

  Output:
    {1, gen, seq} released now (the campaign's position after it); 0 already released or unknown reservation;
    -1 campaign hot state missing, -15 behind (the release is committed in PostgreSQL: the rebuild counts it)
]]
local metaKey, releasedKey, streamKey = KEYS[1], KEYS[2], KEYS[3]
local rsvId, userId, nowMs = ARGV[1], ARGV[2], ARGV[3]
local floorGen, floorSeq = tonumber(ARGV[4]), tonumber(ARGV[5])

--- @include "includes/groupField"

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
local changes = {'left', tonumber(m[1]) + quantity, 'seq', seq, '@' .. userId, table.concat(out, '\n')}

local entry = {'u', userId, 'r', line, 'f', m[4] or '', 'x', nowMs, 'p', gen .. '\t' .. seq}
local groupId, slot = f[11], f[12]
if groupId and groupId ~= '' then
  local g = redis.call('HGET', metaKey, '#' .. groupId)
  local expiresAt, status, free, members
  if g then expiresAt, status, free, members = parseGroup(g) end
  entry[#entry + 1] = 'g'
  entry[#entry + 1] = g or '\t\t\t'
  -- A forming group frees the member's slot: out of the members, back into the free slots in order.
  local member = ',' .. userId .. ':' .. slot .. ','
  local at = g and status == 'forming' and string.find(g, member, members, true)
  if at then
    local slots = {tonumber(slot)}
    for s in string.gmatch(free, '(%d+),') do slots[#slots + 1] = tonumber(s) end
    table.sort(slots)
    changes[#changes + 1] = '#' .. groupId
    changes[#changes + 1] = string.sub(g, 1, members - #free - 2) .. table.concat(slots, ',') .. ',\t'
      .. string.sub(g, members, at) .. string.sub(g, at + #member)
  end
end
redis.call('HSET', metaKey, unpack(changes))
redis.call('XADD', streamKey, '*', unpack(entry))
return {1, gen, seq}
