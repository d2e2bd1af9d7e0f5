--[[
  Closes a group (succeeded or failed): no more joins, no slot is freed any more, it leaves the forming index.

  Input:
    KEYS[1] campaign metadata hash      tm:{c:<id>}:meta (each group is its field '#' .. groupId: see
                                        includes/groupField)
    KEYS[2] forming groups index (zset) tm:{c:<id>}:forming

    ARGV[1] groupId
    ARGV[2] status: succeeded | failed

  Output:
    1 closed now; 0 unknown group or already closed
]]
local metaKey, formingKey = KEYS[1], KEYS[2]
local groupId, status = ARGV[1], ARGV[2]

--- @include "includes/groupField"

redis.call('ZREM', formingKey, groupId)
local g = redis.call('HGET', metaKey, '#' .. groupId)
if not g then return 0 end
local _, was, free, members = parseGroup(g)
if was ~= 'forming' then return 0 end
local statusAt = members - #free - #was - 2
redis.call('HSET', metaKey, '#' .. groupId, string.sub(g, 1, statusAt - 1) .. status .. string.sub(g, statusAt + #was))
return 1
