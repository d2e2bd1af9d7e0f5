-- Gives the user the lowest free slot of a forming group and re-scores it in the forming index; returns the slot.
local function takeGroupSlot(groupKey, formingKey, groupId, userId, size)
  local slot = 0
  for i = 1, size do
    if redis.call('HEXISTS', groupKey, 's:' .. i) == 0 then slot = i; break end
  end
  redis.call('HSET', groupKey, 's:' .. slot, userId, 'u:' .. userId, slot)
  local taken = redis.call('HINCRBY', groupKey, 'taken', 1)
  redis.call('ZADD', formingKey, taken, groupId)
  return slot
end
