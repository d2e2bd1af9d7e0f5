-- The field of the requests hash for (userId, requestId); the length prefix keeps ('a', 'bc') apart from ('ab', 'c').
local function requestField(userId, requestId)
  return string.len(userId) .. ':' .. userId .. requestId
end
