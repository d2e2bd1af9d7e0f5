--[[
  Closes a group (succeeded or failed): no more joins, no slot is freed any more, it leaves the forming index.

  Input:
    KEYS[1] the group hash              tm:{c:<id>}:g:<groupId>
    KEYS[2] forming groups index (zset) tm:{c:<id>}:forming

    ARGV[1] groupId
    ARGV[2] status: succeeded | failed

  Output:
    1 closed now; 0 unknown group or already closed
]]
local groupKey, formingKey = KEYS[1], KEYS[2]
local groupId, status = ARGV[1], ARGV[2]

redis.call('ZREM', formingKey, groupId)
if redis.call('HGET', groupKey, 'status') ~= 'forming' then return 0 end
redis.call('HSET', groupKey, 'status', status)
return 1
