-- The answer to a retried open or join: the earlier reservation's line with the group it belongs to (flat
-- HGETALL), the position and the acknowledged position (which tells whether a pending line has settled).
local function replayGroupAnswer(metaKey, keyBase, line, meta)
  local groupId = string.match(line, '^' .. string.rep('[^\t]*\t', 10) .. '([^\t]*)')
  local group = {}
  if groupId then group = redis.call('HGETALL', keyBase .. 'g:' .. groupId) end
  return {1, line, group, meta[6] --[[gen]], meta[7] --[[seq]], redis.call('HMGET', metaKey, 'ackGen', 'ackSeq')}
end
