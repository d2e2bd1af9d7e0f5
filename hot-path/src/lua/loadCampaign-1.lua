--[[
  Loads a campaign into the hot path: primes the units left only when the campaign is new here, and always
  refreshes its metadata (window, limit, stopped, kill switch, the packed facts its stream entries carry). A changed
  total moves the units left by the difference (never below zero: a lower total only takes back units nobody holds).

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta

    ARGV[1] stockTotal
    ARGV[2..] metadata field, value pairs

  Output:
    {state, stockTotal}: state 1 primed, 0 refreshed, -1 hot state half missing (metadata without the units left,
    as a suspended campaign or one written by an older layout has: nothing written, a rebuild is needed)
]]
local metaKey = KEYS[1]
local total = tonumber(ARGV[1])

local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end

if redis.call('EXISTS', metaKey) == 0 then
  redis.call('HSET', metaKey, 'stockTotal', total, 'left', total, unpack(fields))
  return {1, total}
end
local cur = redis.call('HMGET', metaKey, 'left', 'stockTotal')
if not cur[1] then return {-1, 0} end

local left = tonumber(cur[1])
local oldTotal = tonumber(cur[2] or total)
local delta = total - oldTotal
if delta < 0 and -delta > left then delta = -left end
redis.call('HSET', metaKey, 'stockTotal', oldTotal + delta, 'left', left + delta, unpack(fields))
return {0, oldTotal + delta}
