--[[
  maintain: a shard's periodic upkeep, run by every worker about once a
  second. Moves retries whose delay has passed back onto the work stream,
  prunes the job index of jobs whose snapshot has expired, and trims the
  feed and dead-letter streams by time (they are otherwise trimmed only
  when appended to).

  KEYS: 1 delayed set, 2 work stream, 3 job index, 4 expiry index, 5 feed,
        6 dead-letter stream
  ARGV: 1 max items per step, 2 feed retention ms, 3 dead-letter retention ms
  Returns: {promoted, pruned}
]]
local function maintain(keys, argv)
  local now, limit = now_ms(), tonumber(argv[1])
  local due = redis.call('ZRANGEBYSCORE', keys[1], '-inf', now, 'LIMIT', 0, limit)
  for _, member in ipairs(due) do
    local sep = string.find(member, ' ', 1, true)
    redis.call('XADD', keys[2], '*', 'job', string.sub(member, 1, sep - 1), 'hash', string.sub(member, sep + 1))
    redis.call('ZREM', keys[1], member)
  end
  local gone = redis.call('ZRANGEBYSCORE', keys[4], '-inf', now, 'LIMIT', 0, limit)
  if #gone > 0 then
    redis.call('ZREM', keys[3], unpack(gone))
    redis.call('ZREM', keys[4], unpack(gone))
  end
  redis.call('XTRIM', keys[5], 'MINID', '~', now - tonumber(argv[2]))
  redis.call('XTRIM', keys[6], 'MINID', '~', now - tonumber(argv[3]))
  return { #due, #gone }
end

redis.register_function('fl_maintain', maintain)
