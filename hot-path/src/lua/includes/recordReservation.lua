-- Takes the units and records one reservation: units left down and the position's seq up (one HSET of the
-- metadata), the user's holding rewritten with the new line (one HSET), and the settlement entry appended to the
-- campaign's stream as flat fields (one XADD): seq goes up by one with every entry, so PostgreSQL's settled
-- position tells a Redis that came back behind it. Returns the reservation's line and the new seq.
-- A line: requestId, fingerprint, reservationId, quantity, createdAt, expiresAt, unitPriceFen, gen, seq, status
-- (p pending: settled once the campaign's acknowledged position reaches gen/seq; s settled; r released), then
-- groupId and slot for a group's member, separated by tabs. It is both the replay answer (kept in the holding for
-- as long as the campaign's state) and the stream entry's `r` field, so it is built once; its head (up to
-- expiresAt) is what the caller knows and sends ready-made, the script adds what only Redis knows.
-- group is nil for seckill, else {id, slot, leaderId, size, createdAt, expiresAt}.
-- Measured (hot-path/bench/script-cost.ts): a record hash per reservation (HSET of 9 fields + PEXPIREAT), a
-- separate request-id hash and a cjson-encoded entry were 60% of the reserve script's Redis CPU.
local function recordReservation(k, meta, userId, head, quantity, group, held, holding)
  local seq = meta.seq + 1
  redis.call('HSET', k.meta, 'seq', seq, 'left', meta.left - quantity)
  local line = head .. '\t' .. meta.priceFen .. '\t' .. meta.gen .. '\t' .. seq .. '\tp'
  local lines = ''
  if holding then
    local nl = string.find(holding, '\n', 1, true)
    if nl then lines = string.sub(holding, nl) end
  end
  if group then
    line = line .. '\t' .. group.id .. '\t' .. group.slot
    redis.call('HSET', k.holdings, userId, (held + quantity) .. lines .. '\n' .. line)
    redis.call('XADD', k.stream, '*', 'u', userId, 'r', line, 'f', meta.facts, 'g',
      group.leaderId .. '\t' .. group.size .. '\t' .. group.createdAt .. '\t' .. group.expiresAt)
  else
    redis.call('HSET', k.holdings, userId, (held + quantity) .. lines .. '\n' .. line)
    redis.call('XADD', k.stream, '*', 'u', userId, 'r', line, 'f', meta.facts)
  end
  return line, seq
end
