-- Reads the campaign's metadata and refuses when it is not open for reservations of this type.
-- Returns the metadata table, or nil and a refusal code. Refusal order: loaded, current, type, stopped, kill switch,
-- window. "Current": the hot state's position (generation, seq) is not behind the floor the caller knows of (a
-- Redis restarted from a cut AOF or a promoted lagging replica is behind: it must not sell, -15, until rebuilt).
-- levelCode (optional, '' for none): the shopper's membership level. When the campaign's level table (meta field
-- `levels`, `;<code>:<limit>:<earlyMs>;` per level) lists it, its limit (0: the campaign's own) becomes
-- meta.perUserLimit and the window opens earlyMs before startsAt; meta.startsAt stays the campaign's.
local function campaignGate(metaKey, stockKey, nowMs, wantType, floorGen, floorSeq, levelCode)
  local m = redis.call('HMGET', metaKey, 'type', 'title', 'skuId', 'priceFen', 'startsAt', 'endsAt',
    'perUserLimit', 'groupSize', 'groupTtlMs', 'stopped', 'killSwitch', 'dryRun', 'gen', 'seq', 'levels')
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
  local perUserLimit, opensAt = tonumber(m[7]), startsAt
  if levelCode and levelCode ~= '' and m[15] and m[15] ~= '' then
    -- A plain search (no pattern) for the level's row, then its two numbers anchored right after it.
    local at = string.find(m[15], ';' .. levelCode .. ':', 1, true)
    if at then
      local limit, earlyMs = string.match(m[15], '^(%d+):(%d+);', at + #levelCode + 2)
      if limit then
        if tonumber(limit) > 0 then perUserLimit = tonumber(limit) end
        opensAt = startsAt - tonumber(earlyMs)
      end
    end
  end
  if nowMs < opensAt then return nil, -4 end
  if nowMs >= endsAt then return nil, -5 end
  return {
    type = m[1], title = m[2], skuId = m[3], priceFen = m[4], startsAt = startsAt, endsAt = endsAt,
    perUserLimit = perUserLimit, groupSize = tonumber(m[8] or '0'), groupTtlMs = tonumber(m[9] or '0'),
    dryRun = m[12], gen = gen, seq = seq
  }
end
