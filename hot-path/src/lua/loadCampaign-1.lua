--[[
  Loads a campaign (or one stock bucket of it) into the hot path: primes the units left only when it is new here,
  and always refreshes its metadata (window, limit, stopped, kill switch, the packed facts its stream entries
  carry). A changed total moves the units left by the difference (never below zero: a lower total only takes back
  units nobody holds).

  Stock buckets (see src/store/buckets.ts): bucket 0 keeps the campaign's total as `campaignTotal` (its own
  `stockTotal` is its share, which moves as units are moved between buckets), so a changed campaign total is
  applied to bucket 0's share. The other buckets are loaded with the total '-': their share is never touched by a
  load, and one that is missing is not primed (that would hand out its share again: a rebuild is due instead).

  Input:
    KEYS[1] campaign (or bucket) metadata hash      tm:{c:<id>}:meta

    ARGV[1] stockTotal: the campaign's total, the bucket's share when priming a bucket, or '-' (keep the share)
    ARGV[2] the campaign's total for bucket 0 of a bucketed campaign ('' otherwise)
    ARGV[3..] metadata field, value pairs

  Output:
    {state, stockTotal}: state 1 primed, 0 refreshed, -1 hot state half missing (metadata without the units left,
    as a suspended campaign or one written by an older layout has, or a bucket that is gone: nothing written), or
    of an older layout (no `layout` field as the fields bring it, or holdings in their own hash: its units left
    deleted): a rebuild is needed
]]
local metaKey = KEYS[1]
local total, campaignTotal = ARGV[1], ARGV[2]

local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end

if redis.call('EXISTS', metaKey) == 0 then
  if total == '-' then return {-1, 0} end
  if campaignTotal ~= '' then
    redis.call('HSET', metaKey, 'stockTotal', total, 'left', total, 'campaignTotal', campaignTotal, unpack(fields))
    return {1, tonumber(campaignTotal)}
  end
  redis.call('HSET', metaKey, 'stockTotal', total, 'left', total, unpack(fields))
  return {1, tonumber(total)}
end
local cur = redis.call('HMGET', metaKey, 'left', 'stockTotal', 'campaignTotal', 'layout')
if not cur[1] then return {-1, 0} end
-- State of an older layout, which these scripts do not read: holdings in a hash of their own (same slot: derived
-- from KEYS[1]), or groups in hashes of their own (no `layout` field, or another one than the fields bring). Taken
-- offline as a suspension does, for the rebuild to write it in this layout.
local layout
for i = 1, #fields - 1, 2 do
  if fields[i] == 'layout' then layout = fields[i + 1] end
end
if cur[4] ~= layout or redis.call('EXISTS', string.sub(metaKey, 1, -5) .. 'holdings') == 1 then
  redis.call('HDEL', metaKey, 'left')
  return {-1, 0}
end
if total == '-' then
  redis.call('HSET', metaKey, unpack(fields))
  return {0, tonumber(cur[2])}
end

local left, share = tonumber(cur[1]), tonumber(cur[2] or total)
-- The total the caller compares with: the campaign's for bucket 0 of a bucketed campaign, else the share itself.
local want = tonumber(campaignTotal ~= '' and campaignTotal or total)
local oldTotal = tonumber(cur[3] or cur[2] or want)
local delta = want - oldTotal
if delta < 0 and -delta > left then delta = -left end
if campaignTotal ~= '' then
  redis.call('HSET', metaKey, 'stockTotal', share + delta, 'left', left + delta, 'campaignTotal', oldTotal + delta,
    unpack(fields))
else
  redis.call('HSET', metaKey, 'stockTotal', oldTotal + delta, 'left', left + delta, unpack(fields))
end
return {0, oldTotal + delta}
