-- Looks up an earlier reservation of (userId, requestId) in the user's holding (campaignGate read it).
-- A holding (field '@' .. userId of the metadata hash, see recordReservation) is the units the user holds, then one
-- line per reservation the user made, each starting "\n" requestId "\t" fingerprint "\t": so the limit and the
-- replay come with the gate's read, and the lookup is one plain find (request ids carry no tab or newline: the store
-- refuses them).
-- head: the new reservation's line head (requestId, fingerprint, …; see recordReservation).
-- Returns held units, the holding (nil when the user has none) and the earlier reservation's line (nil when none);
-- when that request asked for something else (another fingerprint) returns nil, nil, nil and the refusal -14.
-- A line without a fingerprint (rebuilt where PostgreSQL could not tell it) replays as before.
local function findReplay(holding, head)
  if not holding then return 0, nil, nil end
  local held = tonumber(string.match(holding, '^%d+'))
  local requestId = string.match(head, '^[^\t]*')
  local at = string.find(holding, '\n' .. requestId .. '\t', 1, true)
  if not at then return held, holding, nil end
  local line = string.match(holding, '^[^\n]*', at + 1)
  local earlier = string.match(line, '^[^\t]*\t([^\t]*)')
  if earlier ~= '' and earlier ~= string.match(head, '^[^\t]*\t([^\t]*)') then return nil, nil, nil, -14 end
  return held, holding, line
end
