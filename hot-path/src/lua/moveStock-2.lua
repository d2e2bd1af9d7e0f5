--[[
  One step of moving units between two stock buckets of a campaign (see src/store/buckets.ts): `take` from the
  donor, then `give` to the bucket that ran dry. Each step is idempotent by the move's id (recorded in the
  bucket's `moves` hash with its amount, answered again to a retry), and refused on a generation other than the
  one the mover read: a rebuild starts a new generation and recomputes every bucket's share from PostgreSQL, so a
  step left over from before it must not apply. Units taken and never given (a mover that died between the steps)
  are missing from the buckets' shares, never sold twice; reconciliation sees the shares short of the campaign's
  total and finishes the move with its give (the id names the target bucket and its generation: see moveIdFor
  in src/store/buckets.ts), or rebuilds when the target was rebuilt since.

  Both steps move the bucket's share (`stockTotal`) with its units left, so left + reserved + sold = share holds in
  every bucket and the shares add up to the campaign's total; both take the next seq of the position, so a Redis
  that comes back without the step is behind the floor of the process that moved.

  Input:
    KEYS[1] bucket metadata hash        tm:{c:<id>#<b>}:meta (with the units left and the position)
    KEYS[2] moves of the bucket         tm:{c:<id>#<b>}:moves (move id → units, negative when taken)

    ARGV[1] 'take' or 'give'
    ARGV[2] the move's id
    ARGV[3] units (take: at most this many, fewer when fewer are left)
    ARGV[4] the generation the mover read
    ARGV[5] floor generation  } as for a reservation: a hot state behind the position the caller knows is
    ARGV[6] floor seq         } refused -15

  Output:
    {units moved (0 when none was left to take), gen, seq}; -1 bucket missing; -15 behind or another generation
]]
local metaKey, movesKey = KEYS[1], KEYS[2]
local mode, moveId, units, expectGen = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local floorGen, floorSeq = tonumber(ARGV[5]), tonumber(ARGV[6])

local m = redis.call('HMGET', metaKey, 'left', 'stockTotal', 'gen', 'seq')
if not m[1] then
  if redis.call('EXISTS', metaKey) == 1 then return -15 end
  return -1
end
local gen, seq = m[3] or '0', tonumber(m[4] or '0')
if gen ~= expectGen then return -15 end
if tonumber(gen) < floorGen or (tonumber(gen) == floorGen and seq < floorSeq) then return -15 end

local done = redis.call('HGET', movesKey, moveId)
if done then return {math.abs(tonumber(done)), gen, seq} end

local left, share = tonumber(m[1]), tonumber(m[2])
local n = units
if mode == 'take' then
  n = math.min(units, left)
  if n <= 0 then return {0, gen, seq} end
  left, share = left - n, share - n
  redis.call('HSET', movesKey, moveId, -n)
else
  left, share = left + n, share + n
  redis.call('HSET', movesKey, moveId, n)
end
seq = seq + 1
redis.call('HSET', metaKey, 'left', left, 'stockTotal', share, 'seq', seq)
return {n, gen, seq}
