-- Reads the campaign's metadata and refuses when it is not open for reservations of this type.
-- Returns the metadata table, or nil and a refusal code. Refusal order: loaded, current, type, stopped, kill switch,
-- window. "Current": the hot state's position (generation, seq) is not behind the floor the caller knows of (a
-- Redis restarted from a cut AOF or a promoted lagging replica is behind: it must not sell, -15, until rebuilt).
local function campaignGate(metaKey, stockKey, nowMs, wantType, floorGen, floorSeq)
  local m = redis.call('HMGET', metaKey, 'type', 'title', 'skuId', 'priceFen', 'startsAt', 'endsAt',
    'perUserLimit', 'groupSize', 'groupTtlMs', 'stopped', 'killSwitch', 'dryRun', 'gen', 'seq')
  -- A campaign the caller has seen a position of exists: its lost state is waiting for a rebuild (-15), not 404.
  if not m[1] then
    if floorGen > 0 or floorSeq > 0 then return nil, -15 end
    return nil, -1
  end
  -- Metadata without the stock counter: a rebuild is under way (or due); nothing may be sold against a half state.
  if redis.call('EXISTS', stockKey) == 0 then return nil, -15 end
  local gen, seq = tonumber(m[13] or '0'), tonumber(m[14] or '0')
  if gen < floorGen or (gen == floorGen and seq < floorSeq) then return nil, -15 end
  if m[1] ~= wantType then return nil, -11 end
  if m[10] == '1' then return nil, -2 end
  if m[11] == '1' then return nil, -3 end
  local startsAt = tonumber(m[5])
  local endsAt = tonumber(m[6])
  if nowMs < startsAt then return nil, -4 end
  if nowMs >= endsAt then return nil, -5 end
  return {
    type = m[1], title = m[2], skuId = m[3], priceFen = m[4], startsAt = startsAt, endsAt = endsAt,
    perUserLimit = tonumber(m[7]), groupSize = tonumber(m[8] or '0'), groupTtlMs = tonumber(m[9] or '0'),
    dryRun = m[12], gen = gen, seq = seq
  }
end
