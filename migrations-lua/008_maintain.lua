--[[
  maintain: a shard's periodic upkeep, run by every worker about once a
  second. Moves retries whose delay has passed back onto the work stream,
  prunes the job index of jobs whose snapshot has expired, and trims the
  feed and dead-letter streams by time (they are otherwise trimmed only
  when appended to).

  Pruning costs the hot path nothing: a job is first checked once it is
  older than a snapshot's lifetime, walking the job index (score =
  created_at) behind a cursor. Gone → removed from the index; still alive
  (its TTL was refreshed by later events) → put in the recheck set, scored
  by when its snapshot now expires, and checked again then.

  KEYS: 1 delayed set, 2 work stream, 3 job index, 4 recheck set, 5 feed,
        6 dead-letter stream, 7 prune cursor
  ARGV: 1 max items per step, 2 feed retention ms, 3 dead-letter retention ms,
        4 job key prefix (`job:{tag}:`), 5 job_ttl s
  Returns: {promoted, pruned}
]]

-- Sorts checked jobs into `gone` or back into the recheck set.
local function check_jobs(ids, prefix, recheck_key, now, gone)
  for _, job_id in ipairs(ids) do
    local ttl = redis.call('PTTL', prefix .. job_id)
    if ttl > 0 then
      redis.call('ZADD', recheck_key, now + ttl, job_id)
    else
      gone[#gone + 1] = job_id
    end
  end
end

local function maintain(keys, argv)
  local now, limit = now_ms(), tonumber(argv[1])
  local due = redis.call('ZRANGEBYSCORE', keys[1], '-inf', now, 'LIMIT', 0, limit)
  for _, member in ipairs(due) do
    local sep = string.find(member, ' ', 1, true)
    redis.call('XADD', keys[2], '*', 'job', string.sub(member, 1, sep - 1), 'hash', string.sub(member, sep + 1))
    redis.call('ZREM', keys[1], member)
  end

  local gone = {}
  -- First checks, oldest first from the cursor. The cursor is inclusive, so
  -- jobs born in the same millisecond as the last one checked are not
  -- skipped (checking one twice is harmless).
  local cursor = redis.call('GET', keys[7]) or '-inf'
  local horizon = now - tonumber(argv[5]) * 1000
  local first = redis.call('ZRANGEBYSCORE', keys[3], cursor, horizon, 'WITHSCORES', 'LIMIT', 0, limit)
  local ids = {}
  for i = 1, #first, 2 do ids[#ids + 1] = first[i] end
  if #first > 0 then
    local last = first[#first]
    -- A full page all born in one millisecond cannot move an inclusive
    -- cursor, and stepping past that millisecond would skip the rest of
    -- it for good: check the whole millisecond (as many jobs as one shard
    -- takes in a millisecond), then step past it.
    if #ids == limit and first[2] == last then
      ids = redis.call('ZRANGEBYSCORE', keys[3], last, last)
      last = '(' .. last
    end
    check_jobs(ids, argv[4], keys[4], now, gone)
    redis.call('SET', keys[7], last)
  end
  -- Rechecks of jobs that were still alive at an earlier check.
  local again = redis.call('ZRANGEBYSCORE', keys[4], '-inf', now, 'LIMIT', 0, limit)
  check_jobs(again, argv[4], keys[4], now, gone)

  if #gone > 0 then
    redis.call('ZREM', keys[3], unpack(gone))
    redis.call('ZREM', keys[4], unpack(gone))
  end
  redis.call('XTRIM', keys[5], 'MINID', '~', now - tonumber(argv[2]))
  redis.call('XTRIM', keys[6], 'MINID', '~', now - tonumber(argv[3]))
  return { #due, #gone }
end

redis.register_function('fl_maintain', maintain)

--[[
  prune_consumers: forgets the consumers of a shard's group that hold no
  pending entry and have been idle at least `min_idle_ms`. Consumer names
  are unique per worker process, so every restart leaves its own behind;
  without this the group's consumer list grows with every deploy. One
  atomic call: a consumer that takes an entry between the listing and the
  delete cannot lose it (XGROUP DELCONSUMER drops a consumer's pending
  entries). A live consumer forgotten while idle is recreated by its next
  read.

  KEYS: 1 work stream
  ARGV: 1 group, 2 min idle ms, 3 most consumers to forget in this call
  Returns: how many were forgotten
]]
local function prune_consumers(keys, argv)
  local min_idle, limit, forgotten = tonumber(argv[2]), tonumber(argv[3]), 0
  for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', keys[1], argv[1])) do
    local f = {}
    for i = 1, #consumer, 2 do f[consumer[i]] = consumer[i + 1] end
    if forgotten >= limit then break end
    if f.pending == 0 and f.idle >= min_idle then
      redis.call('XGROUP', 'DELCONSUMER', keys[1], argv[1], f.name)
      forgotten = forgotten + 1
    end
  end
  return forgotten
end

redis.register_function('fl_prune_consumers', prune_consumers)
