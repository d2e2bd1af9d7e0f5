--[[
  Reserves units of a seckill campaign for one user, atomically: gate, idempotency, per-user limit, stock.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta
    KEYS[2] stock left counter          tm:{c:<id>}:stock
    KEYS[3] units held per user hash    tm:{c:<id>}:users
    KEYS[4] (user, requestId) -> rsv id tm:{c:<id>}:requests
    KEYS[5] settlement stream           tm:{c:<id>}:stream
    KEYS[6] the new reservation record  tm:{c:<id>}:r:<reservationId>

    ARGV[1] userId
    ARGV[2] requestId
    ARGV[3] quantity (> 0)
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
    negative integer: refusal code (see src/store/refusal-codes.ts; -14: this request id asked for something else)
    {1, reservationId, record (flat field/value list), {}, gen, seq}  a replay: the earlier reservation's record
    {0, reservationId, unitPriceFen, gen, seq}                         a new reservation: the caller knows every
                                                                       other field (user, request, quantity, now
                                                                       + TTL), so the reply carries only that
    gen, seq: the campaign's position after the call
]]
local metaKey, stockKey, usersKey, requestsKey, streamKey, recordKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local userId, requestId = ARGV[1], ARGV[2]
local quantity = tonumber(ARGV[3])
local rsvId = ARGV[4]
local nowMs, paymentTtlMs, retentionMs = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local fingerprint = ARGV[8]
local floorGen, floorSeq = tonumber(ARGV[9]), tonumber(ARGV[10])
local levelCode = ARGV[11] or ''
local keyBase = string.sub(metaKey, 1, -5)

--- @include "includes/requestField"
--- @include "includes/campaignGate"
--- @include "includes/findReplay"
--- @include "includes/checkLimitAndStock"
--- @include "includes/recordReservation"

local meta, refusal = campaignGate(metaKey, stockKey, nowMs, 'seckill', floorGen, floorSeq, levelCode)
if not meta then return refusal end

local earlierId, earlier, reused = findReplay(requestsKey, keyBase, userId, requestId, fingerprint)
if reused then return reused end
if earlierId then return {1, earlierId, earlier, {}, meta.gen, meta.seq} end

local check = checkLimitAndStock(usersKey, stockKey, userId, quantity, meta.perUserLimit)
if check ~= 0 then return check end

local k = {meta = metaKey, stock = stockKey, users = usersKey, requests = requestsKey, stream = streamKey, record = recordKey}
local _, seq = recordReservation(k, meta, userId, requestId, quantity, rsvId, nowMs, paymentTtlMs, retentionMs,
  nil, fingerprint)
return {0, rsvId, meta.priceFen, meta.gen, seq}
