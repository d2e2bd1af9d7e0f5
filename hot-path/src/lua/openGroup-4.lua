--[[
  Opens a group of a groupbuy campaign: the leader takes slot 1 and one unit, atomically with the campaign checks.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (with the units left, the position and each shopper's
                                        holding: see includes/recordReservation)
    KEYS[2] settlement stream           tm:{c:<id>}:stream
    KEYS[3] the new group hash          tm:{c:<id>}:g:<groupId>
    KEYS[4] forming groups index (zset) tm:{c:<id>}:forming

    ARGV[1] userId (leader)
    ARGV[2] the reservation's line head: requestId (no tab, no newline), request fingerprint (what the request
            asked for; see requestFingerprint in src/store/types.ts), reservationId (rsv_<ulid>), 1, now and the
            payment deadline (epoch ms), tab-separated (see recordReservation)
    ARGV[3] groupId (grp_<ulid>)
    ARGV[4] now, epoch ms
    ARGV[5] group retention ms after the campaign ends
    ARGV[6] floor generation  } the position the caller knows the campaign reached: a hot state behind it is
    ARGV[7] floor seq         } refused -15 (it came back from an older copy and must be rebuilt first)
    ARGV[8] the shopper's membership level code, '' for none: its row of the campaign's level table (if any)
            sets the per-user limit and the opening time (see includes/campaignGate)

  Output:
    negative integer: refusal code (-14: this request id asked for something else)
    {0, line, group (flat, as HGETALL gives it), gen, seq}  a new reservation (line: see recordReservation)
    {1, line, group (flat HGETALL), gen, seq, {ackGen, ackSeq}}  a replay of the earlier one
    gen, seq: the campaign's position after the call
]]
local metaKey, streamKey, groupKey, formingKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local userId, head, groupId = ARGV[1], ARGV[2], ARGV[3]
local nowMs = tonumber(ARGV[4])
local retentionMs = tonumber(ARGV[5])
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

-- A group id is minted by the caller; meeting an existing one is a caller bug, never a second group.
if redis.call('EXISTS', groupKey) == 1 then return -12 end

local check = checkLimitAndStock(held, meta[8] --[[left]], 1, meta[4] --[[perUserLimit]])
if check ~= 0 then return check end

-- Numbers as text, each converted once (see recordReservation).
local expiresAtMs = math.min(nowMs + tonumber(meta[13] --[[groupTtlMs]]), meta[3] --[[endsAt]])
local expiresAt = string.format('%d', expiresAtMs)
local group = {'id', groupId, 'leaderId', userId, 'size', meta[12] --[[groupSize]], 'taken', '1', 'status', 'forming',
  'createdAt', ARGV[4], 'expiresAt', expiresAt, 's:1', userId}
redis.call('HSET', groupKey, 'u:' .. userId, '1', unpack(group))
redis.call('PEXPIREAT', groupKey, string.format('%d', math.max(meta[3] --[[endsAt]], expiresAtMs) + retentionMs))
redis.call('ZADD', formingKey, '1', groupId)

local line, seq = recordReservation(metaKey, streamKey, meta, userId, head, 1,
  {id = groupId, slot = '1', leaderId = userId, size = meta[12] --[[groupSize]], createdAt = ARGV[4],
    expiresAt = expiresAt},
  held, holding, '1')
return {0, line, group, meta[6] --[[gen]], seq}
