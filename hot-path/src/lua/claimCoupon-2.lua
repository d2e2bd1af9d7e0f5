--[[
  Claims one coupon of a limited coupon template (a campaign of type 'coupon'), atomically: gate (claim window,
  stopped), idempotency by requestId, per-user limit, quantity left. The claim is appended to the template's
  settlement stream, which settles it into a coupon in PostgreSQL, as a reservation settles into an order.

  Input:
    KEYS[1] template metadata hash      tm:{c:<templateId>}:meta (with the coupons left, the position and each
                                        shopper's holding: the coupons held and the claims)
    KEYS[2] settlement stream           tm:{c:<templateId>}:stream

    ARGV[1] userId
    ARGV[2] the claim's line head: requestId (no tab, no newline), fingerprint `claim`, claimId (clm_<ulid>), 1,
            now and now again (a claim has no payment deadline), tab-separated (see recordReservation)
    ARGV[3] now, epoch ms
    ARGV[4] floor generation  } the position the caller knows the template reached: a hot state behind it is
    ARGV[5] floor seq         } refused -15 (it came back from an older copy and must be rebuilt first)

  Output:
    negative integer: refusal code (see src/store/refusal-codes.ts)
    {1, line, {ackGen, ackSeq}, gen, seq}  a replay: the earlier claim's line (see recordReservation)
    {0, 0, 0, gen, seq}                    a new claim (the caller knows every other field)
    gen, seq: the template's position after the call
]]
local metaKey, streamKey = KEYS[1], KEYS[2]
local userId, head = ARGV[1], ARGV[2]
local floorGen, floorSeq = ARGV[4], ARGV[5]

--- @include "includes/campaignGate"
--- @include "includes/findReplay"
--- @include "includes/checkLimitAndStock"
--- @include "includes/recordReservation"

local meta, refusal = campaignGate(metaKey, tonumber(ARGV[3]), 'coupon', floorGen, floorSeq, '', userId)
if not meta then return refusal end

local held, holding, earlier, reused = findReplay(meta[11] --[[holding]], head)
if reused then return reused end
if earlier then
  return {1, earlier, redis.call('HMGET', metaKey, 'ackGen', 'ackSeq'), meta[6] --[[gen]], meta[7] --[[seq]]}
end

local check = checkLimitAndStock(held, meta[8] --[[left]], 1, meta[4] --[[perUserLimit]])
if check ~= 0 then return check end

local _, seq = recordReservation(metaKey, streamKey, meta, userId, head, 1,
  held, holding, '1')
return {0, 0, 0, meta[6] --[[gen]], seq}
