-- Reads the campaign's metadata and refuses when it is not open for reservations of this type.
-- Returns the metadata table, or nil and a refusal code. Refusal order: loaded, current, type, stopped, kill switch,
-- window. "Current": the hot state's position (generation, seq) is not behind the floor the caller knows of (a
-- Redis restarted from a cut AOF or a promoted lagging replica is behind: it must not sell, -15, until rebuilt).
-- Read in one HMGET: only what a reservation decides on or writes. `gate` is the type while the campaign sells,
-- else the type and the refusal (stopped -2, kill switch -3), so one comparison passes an open campaign; title, SKU
-- and dry run reach the stream as one packed field (`facts`), never parsed here; the units left (`left`, absent
-- while a rebuild is due) and the position are fields of the same hash, so a reservation writes them in one HSET.
-- Values stay strings unless compared: each tonumber cost about a tenth of a one-command script (measured).
-- withGroup: also read the group size and time to live (group scripts).
local function campaignGate(metaKey, nowMs, wantType, floorGen, floorSeq, withGroup)
  local m
  if withGroup then
    m = redis.call('HMGET', metaKey, 'gate', 'startsAt', 'endsAt', 'perUserLimit', 'priceFen', 'gen', 'seq', 'left',
      'facts', 'groupSize', 'groupTtlMs')
  else
    m = redis.call('HMGET', metaKey, 'gate', 'startsAt', 'endsAt', 'perUserLimit', 'priceFen', 'gen', 'seq', 'left',
      'facts')
  end
  -- No gate, no units left: missing (-1), or metadata kept while a rebuild is due (-15; also the metadata of an
  -- older layout, which a rebuild replaces). A campaign the caller has seen a position of exists: -15, not 404.
  if not m[1] or not m[8] then
    if floorGen ~= '0' or floorSeq ~= '0' or redis.call('EXISTS', metaKey) == 1 then return nil, -15 end
    return nil, -1
  end
  local gen, seq = m[6] or '0', tonumber(m[7] or '0')
  if gen ~= floorGen then
    if tonumber(gen) < tonumber(floorGen) then return nil, -15 end
  elseif seq < tonumber(floorSeq) then
    return nil, -15
  end
  if m[1] ~= wantType then
    local gateType, refusal = string.match(m[1], '^(%S+) (%S+)$')
    if (gateType or m[1]) ~= wantType then return nil, -11 end
    return nil, tonumber(refusal)
  end
  local endsAt = tonumber(m[3])
  if nowMs < tonumber(m[2]) then return nil, -4 end
  if nowMs >= endsAt then return nil, -5 end
  return {
    endsAt = endsAt, perUserLimit = tonumber(m[4]), priceFen = m[5], gen = gen, seq = seq,
    left = tonumber(m[8]), facts = m[9], groupSize = m[10], groupTtlMs = m[11]
  }
end
