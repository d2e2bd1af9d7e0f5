-- Looks up an earlier reservation of (userId, requestId); returns its id and its record (flat HGETALL), or nil.
-- When that request asked for something else (another fingerprint), returns nil, nil and the refusal -14.
-- A record without a fingerprint (written before fingerprints were kept) replays as before.
local function findReplay(requestsKey, keyBase, userId, requestId, fingerprint)
  local rsvId = redis.call('HGET', requestsKey, requestField(userId, requestId))
  if not rsvId then return nil end
  local recordKey = keyBase .. 'r:' .. rsvId
  local earlierFingerprint = redis.call('HGET', recordKey, 'fp')
  if earlierFingerprint and earlierFingerprint ~= fingerprint then return nil, nil, -14 end
  return rsvId, redis.call('HGETALL', recordKey)
end
