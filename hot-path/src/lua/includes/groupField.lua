-- A group is one field of its campaign's metadata hash, '#' .. groupId (no metadata field starts with '#'), so a
-- join reads it with the gate's HMGET and writes it with the reservation's HSET: three commands in all, as a
-- seckill reservation. Its value, tab-separated:
--   leaderId, size, createdAt, expiresAt (epoch ms), status (forming, succeeded, failed), the free slots
--   ascending, each followed by a comma ('' when full), and the members, ',' .. userId .. ':' .. slot per member
--   and a final ',' (',' when none).
-- A reservation's stream entry carries the value as its `g`, of which settlement reads the first four fields.
-- e.g. "usr_a\t3\t1764480000000\t1764483600000\tforming\t3,\t,usr_a:1,usr_b:2,"
-- User ids carry no tab, comma or colon (the store refuses them), so a member is found by one plain search.
-- Returns expiresAt, status, the free slots and the position where the members start; nil when the value is not
-- a group. (The value before the status, its tab included, is string.sub(value, 1, membersAt - #free - #status - 3).)
local function parseGroup(value)
  return string.match(value, '^[^\t]*\t[^\t]*\t[^\t]*\t(%d+)\t(%a+)\t([^\t]*)\t()')
end
