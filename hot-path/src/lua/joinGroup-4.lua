--[[
  Joins a forming group: takes its lowest free slot and one unit, atomically with the campaign and group checks.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (with the units left, the position and each shopper's
                                        holding: see includes/recordReservation)
    KEYS[2] settlement stream           tm:{c:<id>}:stream
    KEYS[3] the group hash              tm:{c:<id>}:g:<groupId>
    KEYS[4] forming groups index (zset) tm:{c:<id>}:forming

    ARGV[1] userId
    ARGV[2] the reservation's line head: requestId (no tab, no newline), request fingerprint (what the request
            asked for; see requestFingerprint in src/store/types.ts), reservationId (rsv_<ulid>), 1, now and the
            payment deadline (epoch ms), tab-separated (see recordReservation)
    ARGV[3] groupId
    ARGV[4] now, epoch ms
    ARGV[5] group retention ms after the campaign ends (unused here: the group hash already has its expiry)
    ARGV[6] floor generation  } the position the caller knows the campaign reached: a hot state behind it is
    ARGV[7] floor seq         } refused -15 (it came back from an older copy and must be rebuilt first)
    ARGV[8] the shopper's membership level code, '' for none: its row of the campaign's level table (if any)
            sets the per-user limit and the opening time (see includes/campaignGate)

  Output:
    negative integer: refusal code (-14: this request id asked for something else)
    {0, line, group, gen, seq}  a new reservation (line: see recordReservation); group: the group as read before
                                the join (status, expiresAt, size, taken, leaderId, createdAt, the caller's slot
                                (nil), then the user of each slot 1..size (nil when free), the caller's included)
    {1, line, group (flat HGETALL), gen, seq, {ackGen, ackSeq}}  a replay of the earlier one
    gen, seq: the campaign's position after the call
]]
local metaKey, streamKey, groupKey, formingKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local userId, head, groupId = ARGV[1], ARGV[2], ARGV[3]
local nowMs = tonumber(ARGV[4])
local floorGen, floorSeq = ARGV[6], ARGV[7]
local keyBase = string.sub(metaKey, 1, -5)

--- @include "includes/campaignGate"
--- @include "includes/findReplay"
--- @include "includes/replayGroupAnswer"
--- @include "includes/checkLimitAndStock"
--- @include "includes/recordReservation"

local meta, refusal = campaignGate(metaKey, nowMs, 'groupbuy', floorGen, floorSeq, ARGV[8], true, userId)
if not meta then return refusal end

local held, holding, earlier, reused = findReplay(meta[11] --[[holding]], head)
if reused then return reused end
if earlier then return replayGroupAnswer(metaKey, keyBase, earlier, meta) end

-- The group, the caller's membership and its slots in one read: the slots up to the campaign's group size (a
-- group opened before the size was raised is larger; its other slots are read one by one below). The usual
-- sizes' slot fields are written out: making each from its number cost 0.3-0.4 µs (see recordReservation).
local slotFields = {'s:1', 's:2', 's:3', 's:4', 's:5', 's:6', 's:7', 's:8', 's:9', 's:10'}
local function slotField(i) return slotFields[i] or string.format('s:%d', i) end
local fields = {'status', 'expiresAt', 'size', 'taken', 'leaderId', 'createdAt', 'u:' .. userId}
local campaignSize = tonumber(meta[12] --[[groupSize]])
for i = 1, campaignSize do fields[7 + i] = slotField(i) end
local g = redis.call('HMGET', groupKey, unpack(fields))
if not g[1] then return -12 end
if g[1] ~= 'forming' then return -8 end
if nowMs >= tonumber(g[2]) then return -8 end
local size, taken = tonumber(g[3]), tonumber(g[4])
-- Membership before fullness: a member retrying on a full group hears that they are in it.
if g[7] then return -10 end
if taken >= size then return -9 end

local check = checkLimitAndStock(held, meta[8] --[[left]], 1, meta[4] --[[perUserLimit]])
if check ~= 0 then return check end

-- The lowest free slot; the answer is the read itself with the caller in that slot (no second read, no new table).
local slot = 0
for i = 1, size do
  if i > campaignSize then g[7 + i] = redis.call('HGET', groupKey, slotField(i)) end
  if slot == 0 and not g[7 + i] then slot = i end
end
g[7 + slot] = userId
local slotText, takenText = string.format('%d', slot), string.format('%d', taken + 1)
redis.call('HSET', groupKey, slotField(slot), userId, 'u:' .. userId, slotText, 'taken', takenText)
redis.call('ZADD', formingKey, takenText, groupId)

local line, seq = recordReservation(metaKey, streamKey, meta, userId, head, 1,
  {id = groupId, slot = slotText, leaderId = g[5], size = g[3], createdAt = g[6], expiresAt = g[2]}, held, holding, '1')
return {0, line, g, meta[6] --[[gen]], seq}
