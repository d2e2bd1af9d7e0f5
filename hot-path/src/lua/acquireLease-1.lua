--[[
  Takes or renews the lease that makes one consumer the only settler of a campaign's stream.

  Input:
    KEYS[1] lease key                   tm:{c:<id>}:lease

    ARGV[1] holder token (consumer name)
    ARGV[2] lease ms

  Output:
    1 held by this holder now; 0 held by another
]]
local leaseKey = KEYS[1]
local token, leaseMs = ARGV[1], ARGV[2]

if redis.call('GET', leaseKey) == token then
  redis.call('PEXPIRE', leaseKey, leaseMs)
  return 1
end
if redis.call('SET', leaseKey, token, 'NX', 'PX', leaseMs) then return 1 end
return 0
