-- Refuses when the user would hold more than the campaign's limit (-6) or when stock is short (-7); 0 otherwise.
-- held: the units the user holds (findReplay read them); left: the campaign's units left (campaignGate read them).
local function checkLimitAndStock(held, left, quantity, perUserLimit)
  if held + quantity > perUserLimit then return -6 end
  if left < quantity then return -7 end
  return 0
end
