-- Reads the campaign's metadata and refuses when it is not open for reservations of this type.
-- Returns the metadata table, or nil and a refusal code. Refusal order: loaded, type, stopped, kill switch, window.
local function campaignGate(metaKey, stockKey, nowMs, wantType)
  local m = redis.call('HMGET', metaKey, 'type', 'title', 'skuId', 'priceFen', 'startsAt', 'endsAt',
    'perUserLimit', 'groupSize', 'groupTtlMs', 'stopped', 'killSwitch', 'dryRun')
  -- Both keys must exist: a campaign whose stock counter is gone is waiting for a rebuild, never primed here.
  if not m[1] or redis.call('EXISTS', stockKey) == 0 then return nil, -1 end
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
    dryRun = m[12]
  }
end
