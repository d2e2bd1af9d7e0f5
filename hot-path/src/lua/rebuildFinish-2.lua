--[[
  Finishes a rebuild: writes the metadata and then the units left, which reopens the campaign, and frees the lock.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta
    KEYS[2] rebuild lock                tm:{c:<id>}:rebuild

    ARGV[1] rebuild token
    ARGV[2] units left
    ARGV[3..] metadata field, value pairs (stockTotal among them)

  Output:
    1 reopened; -13 the lock is not ours
]]
local metaKey, lockKey = KEYS[1], KEYS[2]
local token, stockLeft = ARGV[1], ARGV[2]

if redis.call('GET', lockKey) ~= token then return -13 end
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', metaKey, unpack(fields))
redis.call('HSETNX', metaKey, 'left', stockLeft)
redis.call('DEL', lockKey)
return 1
