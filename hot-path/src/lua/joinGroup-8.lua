--[[
  Joins a forming group: takes its lowest free slot and one unit, atomically with the campaign and group checks.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta
    KEYS[2] stock left counter          tm:{c:<id>}:stock
    KEYS[3] units held per user hash    tm:{c:<id>}:users
    KEYS[4] (user, requestId) -> rsv id tm:{c:<id>}:requests
    KEYS[5] settlement stream           tm:{c:<id>}:stream
    KEYS[6] the new reservation record  tm:{c:<id>}:r:<reservationId>
    KEYS[7] the group hash              tm:{c:<id>}:g:<groupId>
    KEYS[8] forming groups index (zset) tm:{c:<id>}:forming

    ARGV[1] userId
    ARGV[2] requestId
    ARGV[3] groupId
    ARGV[4] reservationId (rsv_<ulid>)
    ARGV[5] now, epoch ms
    ARGV[6] payment TTL ms
    ARGV[7] record retention ms after the campaign ends
    ARGV[8] request fingerprint (what the request asked for; see requestFingerprint in src/store/types.ts)
    ARGV[9] floor generation  } the position the caller knows the campaign reached: a hot state behind it is
    ARGV[10] floor seq        } refused -15 (it came back from an older copy and must be rebuilt first)
    ARGV[11] the shopper's membership level code, '' for none: its row of the campaign's level table (if any)
             sets the per-user limit and the opening time (see includes/campaignGate)

  Output:
    negative integer: refusal code (-14: this request id asked for something else)
    {replayed 0|1, reservationId, record (flat), group (flat HGETALL), gen, seq}
    gen, seq: the campaign's position after the call
]]
local metaKey, stockKey, usersKey, requestsKey, streamKey, recordKey, groupKey, formingKey =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local userId, requestId, groupId, rsvId = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local nowMs, paymentTtlMs, retentionMs = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local fingerprint = ARGV[8]
local floorGen, floorSeq = tonumber(ARGV[9]), tonumber(ARGV[10])
local levelCode = ARGV[11] or ''
local keyBase = string.sub(metaKey, 1, -5)

--- @include "includes/requestField"
--- @include "includes/campaignGate"
--- @include "includes/findReplay"
--- @include "includes/replayGroupAnswer"
--- @include "includes/checkLimitAndStock"
--- @include "includes/recordReservation"
--- @include "includes/takeGroupSlot"

local meta, refusal = campaignGate(metaKey, stockKey, nowMs, 'groupbuy', floorGen, floorSeq, levelCode)
if not meta then return refusal end

local earlierId, earlier, reused = findReplay(requestsKey, keyBase, userId, requestId, fingerprint)
if reused then return reused end
if earlierId then
  local answer = replayGroupAnswer(keyBase, earlierId, earlier)
  answer[5], answer[6] = meta.gen, meta.seq
  return answer
end

local g = redis.call('HMGET', groupKey, 'status', 'expiresAt', 'size', 'taken', 'leaderId', 'createdAt')
if not g[1] then return -12 end
if g[1] ~= 'forming' then return -8 end
if nowMs >= tonumber(g[2]) then return -8 end
local size = tonumber(g[3])
-- Membership before fullness: a member retrying on a full group hears that they are in it.
if redis.call('HEXISTS', groupKey, 'u:' .. userId) == 1 then return -10 end
if tonumber(g[4]) >= size then return -9 end

local check = checkLimitAndStock(usersKey, stockKey, userId, 1, meta.perUserLimit)
if check ~= 0 then return check end

local slot = takeGroupSlot(groupKey, formingKey, groupId, userId, size)
local k = {meta = metaKey, stock = stockKey, users = usersKey, requests = requestsKey, stream = streamKey, record = recordKey}
local group = {id = groupId, slot = slot, leaderId = g[5], size = size, createdAt = g[6], expiresAt = g[2]}
local rec, seq = recordReservation(k, meta, userId, requestId, 1, rsvId, nowMs, paymentTtlMs, retentionMs, group,
  fingerprint)
return {0, rsvId, rec, redis.call('HGETALL', groupKey), meta.gen, seq}
