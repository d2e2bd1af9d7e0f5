-- Looks up an earlier reservation of (userId, requestId); returns its id and its record (flat HGETALL), or nil.
local function findReplay(requestsKey, keyBase, userId, requestId)
  local rsvId = redis.call('HGET', requestsKey, requestField(userId, requestId))
  if not rsvId then return nil end
  return rsvId, redis.call('HGETALL', keyBase .. 'r:' .. rsvId)
end
