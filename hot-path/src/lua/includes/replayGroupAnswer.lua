-- The answer to a retried open or join: the earlier reservation with the group it belongs to (flat HGETALL).
local function replayGroupAnswer(keyBase, earlierId, earlier)
  local earlierGroup = {}
  for i = 1, #earlier, 2 do
    if earlier[i] == 'groupId' then earlierGroup = redis.call('HGETALL', keyBase .. 'g:' .. earlier[i + 1]) end
  end
  return {1, earlierId, earlier, earlierGroup}
end
