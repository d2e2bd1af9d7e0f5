--[[
  Joins a forming group: takes its lowest free slot and one unit, atomically with the campaign and group checks.
  Three commands, as a seckill reservation: the gate's HMGET reads the group too (a field of the metadata, see
  includes/groupField), the reservation's HSET writes it, and the XADD. The forming index is not touched: it is
  scored by expiry (see openGroup), which a join does not change.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (with the units left, the position, each shopper's
                                        holding and each group: see includes/recordReservation, includes/groupField)
    KEYS[2] settlement stream           tm:{c:<id>}:stream

    ARGV[1] userId
    ARGV[2] the reservation's line head: requestId (no tab, no newline), request fingerprint (what the request
            asked for; see requestFingerprint in src/store/types.ts), reservationId (rsv_<ulid>), 1, now and the
            payment deadline (epoch ms), tab-separated (see recordReservation)
    ARGV[3] groupId
    ARGV[4] now, epoch ms
    ARGV[5] floor generation  } the position the caller knows the campaign reached: a hot state behind it is
    ARGV[6] floor seq         } refused -15 (it came back from an older copy and must be rebuilt first)
    ARGV[7] the shopper's membership level code, '' for none: its row of the campaign's level table (if any)
            sets the per-user limit and the opening time (see includes/campaignGate)

  Output:
    negative integer: refusal code (-14: this request id asked for something else)
    {0, unitPriceFen, group, gen, seq}  a new reservation: the caller knows every other field of it (user, request,
                                        times; its slot is in the group); group: the group's value after the join
                                        (see includes/groupField)
    {1, line, group, gen, seq, {ackGen, ackSeq}}  a replay of the earlier one (group: its value now, nil if gone)
    gen, seq: the campaign's position after the call
]]
local metaKey, streamKey = KEYS[1], KEYS[2]
local userId, head, groupId = ARGV[1], ARGV[2], ARGV[3]
local nowMs = tonumber(ARGV[4])

--- @include "includes/campaignGate"
--- @include "includes/findReplay"
--- @include "includes/groupField"
--- @include "includes/replayGroupAnswer"
--- @include "includes/checkLimitAndStock"
--- @include "includes/recordReservation"

local meta, refusal = campaignGate(metaKey, nowMs, 'groupbuy', ARGV[5], ARGV[6], ARGV[7], userId, '#' .. groupId)
if not meta then return refusal end

local held, holding, earlier, reused = findReplay(meta[11] --[[holding]], head)
if reused then return reused end
if earlier then return replayGroupAnswer(metaKey, earlier, meta) end

local g = meta[12] --[[the group]]
if not g then return -12 end
local expiresAt, status, free, members = parseGroup(g)
if status ~= 'forming' or nowMs >= tonumber(expiresAt) then return -8 end
-- Membership before fullness: a member retrying on a full group hears that they are in it.
if string.find(g, ',' .. userId .. ':', members, true) then return -10 end
if free == '' then return -9 end

local check = checkLimitAndStock(held, meta[8] --[[left]], 1, meta[4] --[[perUserLimit]])
if check ~= 0 then return check end

-- The lowest free slot leaves the free list; the caller joins the members' end.
local slot = string.match(free, '^%d+')
local joined = string.sub(g, 1, members - #free - 2) .. string.sub(free, #slot + 2) .. string.sub(g, members - 1)
  .. userId .. ':' .. slot .. ','

local _, seq = recordReservation(metaKey, streamKey, meta, userId, head, 1, held, holding, '1',
  groupId, slot, joined)
return {0, meta[5] --[[priceFen]], joined, meta[6] --[[gen]], seq}
