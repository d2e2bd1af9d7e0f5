-- Reads the campaign's metadata and refuses when it is not open for reservations of this type.
-- Returns the metadata (the HMGET's array, see below), or nil and a refusal code. Refusal order: loaded, current,
-- type, stopped, kill switch, window. "Current": the hot state's position (generation, seq) is not behind the floor
-- the caller knows of (a Redis restarted from a cut AOF or a promoted lagging replica is behind: it must not sell,
-- -15, until rebuilt).
-- Read in one HMGET: only what a reservation decides on or writes. `gate` is the type while the campaign sells,
-- else the type and the refusal (stopped -2, kill switch -3), so one comparison passes an open campaign; title, SKU
-- and dry run reach the stream as one packed field (`facts`), never parsed here; the units left (`left`, absent
-- while a rebuild is due) and the position are fields of the same hash, so a reservation writes them in one HSET.
-- Values stay strings unless compared: each tonumber cost about a tenth of a one-command script (measured).
-- levelCode (optional, '' for none): the shopper's membership level. When the campaign's level table (meta field
-- `levels`, `;<code>:<limit>:<earlyMs>;` per level) lists it, its limit (0: the campaign's own) becomes
-- the per-user limit and the window opens earlyMs before startsAt.
-- userId: the shopper, whose holding (field '@' .. userId of the same hash, see recordReservation) the same HMGET
-- reads.
-- ...: more metadata fields the caller wants in the same read (a group script's group field, '#' .. groupId, see
-- includes/groupField; an open's group size and time to live), returned from [12] on.
-- The metadata returned is the HMGET's own array, read by index (callers name the field beside it): [3] endsAt,
-- [4] perUserLimit (the level's, if any), [6] gen ('0' when absent), [7] seq and [8] the units left as
-- numbers; [5] priceFen, [9] facts, [11] the holding (nil when the shopper holds nothing here) and [12..] the
-- caller's fields as read. A table of named fields built per call cost 0.5 µs of the reserve script's 9 (measured).
local function campaignGate(metaKey, nowMs, wantType, floorGen, floorSeq, levelCode, userId, ...)
  local m = redis.call('HMGET', metaKey, 'gate', 'startsAt', 'endsAt', 'perUserLimit', 'priceFen', 'gen', 'seq',
    'left', 'facts', 'levels', '@' .. userId, ...)
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
  local opensAt, endsAt, perUserLimit = tonumber(m[2]), tonumber(m[3]), tonumber(m[4])
  if levelCode and levelCode ~= '' and m[10] and m[10] ~= '' then
    -- A plain search (no pattern) for the level's row, then its two numbers anchored right after it.
    local at = string.find(m[10], ';' .. levelCode .. ':', 1, true)
    if at then
      local limit, earlyMs = string.match(m[10], '^(%d+):(%d+);', at + #levelCode + 2)
      if limit then
        if tonumber(limit) > 0 then perUserLimit = tonumber(limit) end
        opensAt = opensAt - tonumber(earlyMs)
      end
    end
  end
  if nowMs < opensAt then return nil, -4 end
  if nowMs >= endsAt then return nil, -5 end
  m[3], m[4], m[6], m[7], m[8] = endsAt, perUserLimit, gen, seq, tonumber(m[8])
  return m
end
