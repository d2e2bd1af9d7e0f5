--[[
  Opens a group of a groupbuy campaign: the leader takes slot 1 and one unit, atomically with the campaign checks.
  The group is a field of the metadata (see includes/groupField): the gate's HMGET finds an id already taken, the
  reservation's HSET writes it. The forming index scores it by its expiry: the "groups to join" list reads the
  soonest to close, and a join never has to move it.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (with the units left, the position, each shopper's
                                        holding and each group: see includes/recordReservation, includes/groupField)
    KEYS[2] settlement stream           tm:{c:<id>}:stream
    KEYS[3] forming groups index (zset) tm:{c:<id>}:forming

    ARGV[1] userId (leader)
    ARGV[2] the reservation's line head: requestId (no tab, no newline), request fingerprint (what the request
            asked for; see requestFingerprint in src/store/types.ts), reservationId (rsv_<ulid>), 1, now and the
            payment deadline (epoch ms), tab-separated (see recordReservation)
    ARGV[3] groupId (grp_<ulid>)
    ARGV[4] now, epoch ms
    ARGV[5] floor generation  } the position the caller knows the campaign reached: a hot state behind it is
    ARGV[6] floor seq         } refused -15 (it came back from an older copy and must be rebuilt first)
    ARGV[7] the shopper's membership level code, '' for none: its row of the campaign's level table (if any)
            sets the per-user limit and the opening time (see includes/campaignGate)

  Output:
    negative integer: refusal code (-14: this request id asked for something else)
    {0, unitPriceFen, group, gen, seq}  a new reservation (the caller knows every other field of it; group: its
                                        value, see includes/groupField)
    {1, line, group, gen, seq, {ackGen, ackSeq}}  a replay of the earlier one (group: its value now, nil if gone)
    gen, seq: the campaign's position after the call
]]
local metaKey, streamKey, formingKey = KEYS[1], KEYS[2], KEYS[3]
local userId, head, groupId = ARGV[1], ARGV[2], ARGV[3]
local nowMs = tonumber(ARGV[4])

--- @include "includes/campaignGate"
--- @include "includes/findReplay"
--- @include "includes/replayGroupAnswer"
--- @include "includes/checkLimitAndStock"
--- @include "includes/recordReservation"

local meta, refusal = campaignGate(metaKey, nowMs, 'groupbuy', ARGV[5], ARGV[6], ARGV[7], userId, '#' .. groupId,
  'groupSize', 'groupTtlMs')
if not meta then return refusal end

local held, holding, earlier, reused = findReplay(meta[11] --[[holding]], head)
if reused then return reused end
if earlier then return replayGroupAnswer(metaKey, earlier, meta) end

-- A group id is minted by the caller; meeting an existing one is a caller bug, never a second group.
if meta[12] --[[the group]] then return -12 end

local check = checkLimitAndStock(held, meta[8] --[[left]], 1, meta[4] --[[perUserLimit]])
if check ~= 0 then return check end

-- The free slots after the leader's: written out for the usual sizes.
local size = meta[13] --[[groupSize]]
local FREE = {'', '2,', '2,3,', '2,3,4,', '2,3,4,5,', '2,3,4,5,6,', '2,3,4,5,6,7,', '2,3,4,5,6,7,8,',
  '2,3,4,5,6,7,8,9,', '2,3,4,5,6,7,8,9,10,'}
local free = FREE[tonumber(size)]
if not free then
  local slots = {}
  for i = 2, tonumber(size) do slots[#slots + 1] = i .. ',' end
  free = table.concat(slots)
end
local expiresAt = string.format('%d', math.min(nowMs + tonumber(meta[14] --[[groupTtlMs]]), meta[3] --[[endsAt]]))
local group = userId .. '\t' .. size .. '\t' .. ARGV[4] .. '\t' .. expiresAt .. '\tforming\t' .. free .. '\t,' .. userId
  .. ':1,'
redis.call('ZADD', formingKey, expiresAt, groupId)

local _, seq = recordReservation(metaKey, streamKey, meta, userId, head, 1, held, holding, '1',
  groupId, '1', group)
return {0, meta[5] --[[priceFen]], group, meta[6] --[[gen]], seq}
