-- Refuses when the user would hold more than the campaign's limit (-6) or when stock is short (-7); 0 otherwise.
local function checkLimitAndStock(usersKey, stockKey, userId, quantity, perUserLimit)
  local held = tonumber(redis.call('HGET', usersKey, userId) or '0')
  if held + quantity > perUserLimit then return -6 end
  local left = tonumber(redis.call('GET', stockKey) or '0')
  if left < quantity then return -7 end
  return 0
end
