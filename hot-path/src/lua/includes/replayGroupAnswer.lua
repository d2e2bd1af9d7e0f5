-- The answer to a retried open or join: the earlier reservation's line with its group's value now (see
-- includes/groupField; nil when gone), the position and the acknowledged position (which tells whether a pending
-- line has settled).
local function replayGroupAnswer(metaKey, line, meta)
  local groupId = string.match(line, '^' .. string.rep('[^\t]*\t', 10) .. '([^\t]*)')
  local group = false
  if groupId then group = redis.call('HGET', metaKey, '#' .. groupId) end
  return {1, line, group, meta[6] --[[gen]], meta[7] --[[seq]], redis.call('HMGET', metaKey, 'ackGen', 'ackSeq')}
end
