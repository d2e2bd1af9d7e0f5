--[[
  Reserves units of a seckill campaign for one user, atomically: gate, idempotency, per-user limit, stock.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (with the units left, the position and each shopper's
                                        holding: see includes/recordReservation)
    KEYS[2] settlement stream           tm:{c:<id>}:stream

    ARGV[1] userId
    ARGV[2] the reservation's line head: requestId (no tab, no newline), request fingerprint (what the request
            asked for; see requestFingerprint in src/store/types.ts), reservationId (rsv_<ulid>), quantity, now
            and the payment deadline (epoch ms), tab-separated (see recordReservation)
    ARGV[3] quantity (> 0)
    ARGV[4] now, epoch ms
    ARGV[5] floor generation  } the position the caller knows the campaign reached: a hot state behind it is
    ARGV[6] floor seq         } refused -15 (it came back from an older copy and must be rebuilt first)
    ARGV[7] the shopper's membership level code, '' for none: its row of the campaign's level table (if any)
            sets the per-user limit and the opening time (see includes/campaignGate)

  Output:
    negative integer: refusal code (see src/store/refusal-codes.ts; -14: this request id asked for something else)
    {1, line, {ackGen, ackSeq}, gen, seq}    a replay: the earlier reservation's line (see recordReservation) and
                                             the acknowledged position, which tells whether it has settled
    {0, 0, unitPriceFen, gen, seq}           a new reservation: the caller knows every other field (user,
                                             request, quantity, now + TTL), so the reply carries only that
    gen, seq: the campaign's position after the call
]]
local metaKey, streamKey = KEYS[1], KEYS[2]
local userId, head, quantity = ARGV[1], ARGV[2], tonumber(ARGV[3])
local floorGen, floorSeq = ARGV[5], ARGV[6]

--- @include "includes/campaignGate"
--- @include "includes/findReplay"
--- @include "includes/checkLimitAndStock"
--- @include "includes/recordReservation"

local meta, refusal = campaignGate(metaKey, tonumber(ARGV[4]), 'seckill', floorGen, floorSeq, ARGV[7], userId)
if not meta then return refusal end

local held, holding, earlier, reused = findReplay(meta[11] --[[holding]], head)
if reused then return reused end
if earlier then
  return {1, earlier, redis.call('HMGET', metaKey, 'ackGen', 'ackSeq'), meta[6] --[[gen]], meta[7] --[[seq]]}
end

local check = checkLimitAndStock(held, meta[8] --[[left]], quantity, meta[4] --[[perUserLimit]])
if check ~= 0 then return check end

local _, seq = recordReservation(metaKey, streamKey, meta, userId, head,
  quantity, held, holding, ARGV[3])
return {0, 0, meta[5] --[[priceFen]], meta[6] --[[gen]], seq}
