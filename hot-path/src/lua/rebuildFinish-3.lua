--[[
  Finishes a rebuild: writes the metadata and then the stock counter, which reopens the campaign, and frees the lock.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta
    KEYS[2] stock left counter          tm:{c:<id>}:stock
    KEYS[3] rebuild lock                tm:{c:<id>}:rebuild

    ARGV[1] rebuild token
    ARGV[2] stock left
    ARGV[3..] metadata field, value pairs (stockTotal among them)

  Output:
    1 reopened; -13 the lock is not ours
]]
local metaKey, stockKey, lockKey = KEYS[1], KEYS[2], KEYS[3]
local token, stockLeft = ARGV[1], ARGV[2]

if redis.call('GET', lockKey) ~= token then return -13 end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', metaKey, unpack(fields))
redis.call('SET', stockKey, stockLeft, 'NX')
redis.call('DEL', lockKey)
return 1
