-- Takes the units and records one reservation: units left down, the position's seq up and the user's holding
-- rewritten with the new line (one HSET of the metadata hash: a holding is its field '@' .. userId), and the
-- settlement entry appended to the campaign's stream as flat fields (one XADD): seq goes up by one with every
-- entry, so PostgreSQL's settled position tells a Redis that came back behind it. Returns the reservation's line
-- and the new seq. meta: campaignGate's answer.
-- A line: requestId, fingerprint, reservationId, quantity, createdAt, expiresAt, unitPriceFen, gen, seq, status
-- (p pending: settled once the campaign's acknowledged position reaches gen/seq; s settled; r released), then
-- groupId and slot for a group's member, separated by tabs. It is both the replay answer (kept in the holding for
-- as long as the campaign's state) and the stream entry's `r` field, so it is built once; its head (up to
-- expiresAt) is what the caller knows and sends ready-made, the script adds what only Redis knows.
-- groupId is nil for seckill; a group's member passes its slot and the group's value after the reservation (see
-- includes/groupField), written by the same HSET and carried as the stream entry's `g` (settlement reads its first
-- four fields: leaderId, size, createdAt, expiresAt). Positional, not a table: a table built per call cost 0.27 µs
-- (measured).
-- quantityText: the quantity as the caller wrote it, the new holding's units when the user held none.
-- Measured (hot-path/bench/script-cost.ts): a record hash per reservation (HSET of 9 fields + PEXPIREAT), a
-- separate request-id hash and a cjson-encoded entry were 60% of the reserve script's Redis CPU; the holdings in a
-- hash of their own took one HGET and one HSET more than in the metadata's (1.4 µs of 11). Numbers become
-- text once each, by '%d': Lua's own conversion of a number (%.14g, in a concatenation or a redis.call argument)
-- cost 0.3-0.4 µs each, and the script made four of them (about a tenth of its Redis CPU).
local function recordReservation(metaKey, streamKey, meta, userId, head, quantity, held, holding, quantityText,
    groupId, slot, groupValue)
  local seq = meta[7] --[[seq]] + 1
  local seqText = string.format('%d', seq)
  local line = head .. '\t' .. meta[5] --[[priceFen]] .. '\t' .. meta[6] --[[gen]] .. '\t' .. seqText .. '\tp'
  local lines, units = '', quantityText
  if holding then
    units = string.format('%d', held + quantity)
    local nl = string.find(holding, '\n', 1, true)
    if nl then lines = string.sub(holding, nl) end
  end
  local left = string.format('%d', meta[8] --[[left]] - quantity)
  if groupId then
    line = line .. '\t' .. groupId .. '\t' .. slot
    redis.call('HSET', metaKey, 'seq', seqText, 'left', left, '@' .. userId, units .. lines .. '\n' .. line,
      '#' .. groupId, groupValue)
    redis.call('XADD', streamKey, '*', 'u', userId, 'r', line, 'f', meta[9] --[[facts]], 'g', groupValue)
  else
    redis.call('HSET', metaKey, 'seq', seqText, 'left', left, '@' .. userId, units .. lines .. '\n' .. line)
    redis.call('XADD', streamKey, '*', 'u', userId, 'r', line, 'f', meta[9] --[[facts]])
  end
  return line, seq
end
