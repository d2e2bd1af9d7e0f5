-- Takes the units and records one reservation: stock down, user count up, request id mapped, record written with
-- its retention, and the settlement entry appended to the campaign's stream, stamped with the campaign's position
-- (generation, seq): seq goes up by one with every entry, so PostgreSQL's settled position tells a Redis that came
-- back behind it. Returns the record (flat) and the new seq.
-- group is nil for seckill, else {id, slot, leaderId, size, createdAt, expiresAt}; fingerprint is what the
-- request asked for, kept in the record so that a retry asking for something else is refused.
local function recordReservation(k, meta, userId, requestId, quantity, rsvId, nowMs, paymentTtlMs, retentionMs,
                                 group, fingerprint)
  local seq = redis.call('HINCRBY', k.meta, 'seq', 1)
  redis.call('DECRBY', k.stock, quantity)
  redis.call('HINCRBY', k.users, userId, quantity)
  redis.call('HSET', k.requests, requestField(userId, requestId), rsvId)
  local expiresAt = nowMs + paymentTtlMs
  local rec = {
    'id', rsvId, 'userId', userId, 'requestId', requestId, 'quantity', tostring(quantity),
    'unitPriceFen', meta.priceFen, 'createdAt', tostring(nowMs), 'expiresAt', tostring(expiresAt),
    'status', 'pending', 'fp', fingerprint
  }
  local entry = {
    kind = 'reserve', reservationId = rsvId, userId = userId, requestId = requestId,
    quantity = tostring(quantity), unitPriceFen = meta.priceFen, createdAt = tostring(nowMs),
    expiresAt = tostring(expiresAt), campaignType = meta.type, skuId = meta.skuId, title = meta.title,
    dryRun = meta.dryRun, gen = meta.gen, seq = seq
  }
  if group then
    table.insert(rec, 'groupId'); table.insert(rec, group.id)
    table.insert(rec, 'slot'); table.insert(rec, tostring(group.slot))
    entry.groupId = group.id
    entry.slot = tostring(group.slot)
    entry.groupLeaderId = group.leaderId
    entry.groupSize = tostring(group.size)
    entry.groupCreatedAt = group.createdAt
    entry.groupExpiresAt = group.expiresAt
  end
  redis.call('HSET', k.record, unpack(rec))
  -- Kept until the campaign is over (so a retry always replays) plus the retention for GET /api/reservations/:id.
  redis.call('PEXPIREAT', k.record, math.max(meta.endsAt, expiresAt) + retentionMs)
  redis.call('XADD', k.stream, '*', 'e', cjson.encode(entry))
  return rec, seq
end
