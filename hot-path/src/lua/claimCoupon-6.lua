--[[
  Claims one coupon of a limited coupon template (a campaign of type 'coupon'), atomically: gate (claim window,
  stopped), idempotency by requestId, per-user limit, quantity left. The claim is appended to the template's
  settlement stream, which settles it into a coupon in PostgreSQL, as a reservation settles into an order.

  Input:
    KEYS[1] template metadata hash      tm:{c:<templateId>}:meta
    KEYS[2] coupons left counter        tm:{c:<templateId>}:stock
    KEYS[3] coupons held per user hash  tm:{c:<templateId>}:users
    KEYS[4] (user, requestId) -> claim  tm:{c:<templateId>}:requests
    KEYS[5] settlement stream           tm:{c:<templateId>}:stream
    KEYS[6] the new claim record        tm:{c:<templateId>}:r:<claimId>

    ARGV[1] userId
    ARGV[2] requestId
    ARGV[3] claimId (clm_<ulid>)
    ARGV[4] now, epoch ms
    ARGV[5] record retention ms after the claim window ends
    ARGV[6] floor generation  } the position the caller knows the template reached: a hot state behind it is
    ARGV[7] floor seq         } refused -15 (it came back from an older copy and must be rebuilt first)

  Output:
    negative integer: refusal code (see src/store/refusal-codes.ts)
    {1, claimId, record (flat field/value list), {}, gen, seq}  a replay: the earlier claim's record
    {0, claimId, 0, gen, seq}                                   a new claim (the caller knows every other field)
    gen, seq: the template's position after the call
]]
local metaKey, stockKey, usersKey, requestsKey, streamKey, recordKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local userId, requestId, claimId = ARGV[1], ARGV[2], ARGV[3]
local nowMs, retentionMs = tonumber(ARGV[4]), tonumber(ARGV[5])
local floorGen, floorSeq = tonumber(ARGV[6]), tonumber(ARGV[7])
local fingerprint = 'claim'
local keyBase = string.sub(metaKey, 1, -5)

--- @include "includes/requestField"
--- @include "includes/campaignGate"
--- @include "includes/findReplay"
--- @include "includes/checkLimitAndStock"
--- @include "includes/recordReservation"

local meta, refusal = campaignGate(metaKey, stockKey, nowMs, 'coupon', floorGen, floorSeq)
if not meta then return refusal end

local earlierId, earlier, reused = findReplay(requestsKey, keyBase, userId, requestId, fingerprint)
if reused then return reused end
if earlierId then return {1, earlierId, earlier, {}, meta.gen, meta.seq} end

local check = checkLimitAndStock(usersKey, stockKey, userId, 1, meta.perUserLimit)
if check ~= 0 then return check end

local k = {meta = metaKey, stock = stockKey, users = usersKey, requests = requestsKey, stream = streamKey, record = recordKey}
local _, seq = recordReservation(k, meta, userId, requestId, 1, claimId, nowMs, 0, retentionMs, nil, fingerprint)
return {0, claimId, 0, meta.gen, seq}
