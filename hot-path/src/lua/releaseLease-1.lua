--[[
  Gives a settlement lease back, only if this holder still has it.

  Input:
    KEYS[1] lease key                   tm:{c:<id>}:lease

    ARGV[1] holder token

  Output:
    1 released; 0 not held by this holder
]]
local leaseKey = KEYS[1]
local token = ARGV[1]

if redis.call('GET', leaseKey) == token then return redis.call('DEL', leaseKey) end
return 0
