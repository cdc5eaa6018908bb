--[[
  start: a worker takes a delivered work entry. Fenced twice: the entry must
  be in this consumer's pending list (a reclaimed entry belongs to its new
  owner), and the new attempt number is the fencing token every later call
  of this attempt must carry.

  KEYS: 1 job, 2 job events, 3 artifact, 4 work stream, 5 feed,
        6 in-flight hash, 7 dead-letter stream, 8 expiry index
  ARGV: 1 job_id, 2 entry id, 3 consumer, 4 group, 5 max_attempts,
        6 job_ttl s, 7 events_ttl s, 8 feed retention ms, 9 first progress hint ('' for none)
  Returns: {'run', attempt, content, content_type, metadata JSON, created_at ms}
           | {'skip', reason}   (entry acknowledged and deleted)
           | {'dead', attempt}  (attempts exhausted by lost workers)
  Errors: NOT_OWNER
  Events: started [+ progress] | dead_lettered + failed
]]
local function drop_entry(keys, argv)
  redis.call('XACK', keys[4], argv[4], argv[2])
  redis.call('XDEL', keys[4], argv[2])
end

local function start(keys, argv)
  local job_id, consumer = argv[1], argv[3]
  local owned = redis.call('XPENDING', keys[4], argv[4], argv[2], argv[2], 1, consumer)
  if #owned == 0 then return refuse('NOT_OWNER', 'job=' .. job_id .. ' entry=' .. argv[2]) end
  local s = load_snapshot(keys[1])
  if not s then
    drop_entry(keys, argv)
    redis.call('XADD', keys[7], '*', 'job', job_id, 'error', 'job expired before it ran', 'attempts', 0)
    return { 'skip', 'expired' }
  end
  if TERMINAL[s.status] then
    drop_entry(keys, argv)
    return { 'skip', s.status }
  end
  -- A retried call of our own start (the reply was lost): same attempt, no new event.
  if s.status == 'running' and s.worker == consumer then
    return { 'run', s.attempt, redis.call('GET', keys[3]) or '', s.content_type, cjson.encode(s.metadata), s.created_at }
  end
  local ctx = new_ctx(keys[2], keys[5], job_id, argv[7], argv[8])
  local attempt = s.attempt + 1
  local previous = s.worker
  if attempt > tonumber(argv[5]) then
    local err = 'attempts exhausted: the job was taken over ' .. s.attempt .. ' times after its worker stopped responding'
    local events = {
      { type = 'dead_lettered', attempt = s.attempt, data = { error = err, attempts = s.attempt } },
      { type = 'failed', attempt = s.attempt, data = { error = err } },
    }
    s = fold_all(ctx, s, events)
    write_events(ctx, events)
    store_snapshot(keys[1], keys[8], s, argv[6])
    redis.call('HDEL', keys[6], s.content_hash)
    redis.call('XADD', keys[7], '*', 'job', job_id, 'error', err, 'attempts', s.attempt)
    drop_entry(keys, argv)
    return { 'dead', s.attempt }
  end
  local events = { { type = 'started', attempt = attempt, worker = consumer,
    data = { reclaimed = (s.status == 'running'), previous_worker = previous } } }
  if argv[9] ~= '' then
    table.insert(events, { type = 'progress', attempt = attempt, worker = consumer, data = { hint = argv[9] } })
  end
  local err
  s, err = fold_all(ctx, s, events)
  if err then return redis.error_reply(err) end
  write_events(ctx, events)
  store_snapshot(keys[1], keys[8], s, argv[6])
  redis.call('EXPIRE', keys[3], argv[6])
  return { 'run', attempt, redis.call('GET', keys[3]) or '', s.content_type, cjson.encode(s.metadata), s.created_at }
end

redis.register_function('fl_start', start)
