--[[
  Loads a campaign into the hot path: primes the stock counter only when the campaign is new here, and always
  refreshes its metadata (window, limit, stopped, kill switch, level table). A changed total moves stock left by
  the difference (never below zero: a lower total only takes back units nobody holds).

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta
    KEYS[2] stock left counter          tm:{c:<id>}:stock

    ARGV[1] stockTotal
    ARGV[2..] metadata field, value pairs

  Output:
    {state, stockTotal}: state 1 primed, 0 refreshed, -1 hot state half missing (nothing written: rebuild needed)
]]
local metaKey, stockKey = KEYS[1], KEYS[2]
local total = tonumber(ARGV[1])

local hasMeta = redis.call('EXISTS', metaKey) == 1
local hasStock = redis.call('EXISTS', stockKey) == 1
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end

if not hasMeta and not hasStock then
  redis.call('SET', stockKey, total)
  redis.call('HSET', metaKey, 'stockTotal', total, unpack(fields))
  return {1, total}
end
if not (hasMeta and hasStock) then return {-1, 0} end

local oldTotal = tonumber(redis.call('HGET', metaKey, 'stockTotal') or total)
local delta = total - oldTotal
if delta < 0 then
  local left = tonumber(redis.call('GET', stockKey))
  if -delta > left then delta = -left end
end
if delta ~= 0 then redis.call('INCRBY', stockKey, delta) end
redis.call('HSET', metaKey, 'stockTotal', oldTotal + delta, unpack(fields))
return {0, oldTotal + delta}
