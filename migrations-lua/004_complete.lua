--[[
  complete: a running attempt records its result. In the same call: the
  buffered progress events, `completed`, the snapshot, the cache entry, the
  in-flight marker cleared, and the work entry acknowledged and deleted.

  KEYS: 1 job, 2 job events, 3 cache entry, 4 in-flight hash, 5 work stream,
        6 feed, 7 expiry index
  ARGV: 1 job_id, 2 attempt, 3 consumer, 4 entry id, 5 group,
        6 hints JSON [{hint, observed_at}], 7 result JSON, 8 markdown,
        9 job_ttl s, 10 cache_ttl s, 11 events_ttl s, 12 feed retention ms
  Returns: 'OK' (also when this attempt had already completed: a retried call)
  Errors: NO_SUCH_JOB, STALE_ATTEMPT (nothing written), JOB_TERMINAL
          (the job was cancelled: entry acknowledged, result dropped)
  Events: progress*, completed
]]
local function complete(keys, argv)
  local s = load_snapshot(keys[1])
  if not s then return refuse('NO_SUCH_JOB', 'job=' .. argv[1]) end
  local attempt = tonumber(argv[2])
  if s.status == 'completed' and s.attempt == attempt then return 'OK' end
  if TERMINAL[s.status] and s.attempt == attempt then
    redis.call('XACK', keys[5], argv[5], argv[4])
    redis.call('XDEL', keys[5], argv[4])
  end
  local ctx = new_ctx(keys[2], keys[6], argv[1], argv[11], argv[12])
  local events = progress_events(argv[6], attempt, argv[3])
  table.insert(events, { type = 'completed', attempt = attempt, worker = argv[3], data = {},
    result = argv[7], markdown = argv[8] })
  local err
  s, err = fold_all(ctx, s, events)
  if err then return redis.error_reply(err) end
  write_events(ctx, events)
  store_snapshot(keys[1], keys[7], s, argv[9])
  redis.call('SET', keys[3], cache_entry(argv[7], argv[8]), 'EX', argv[10])
  redis.call('HDEL', keys[4], s.content_hash)
  redis.call('XACK', keys[5], argv[5], argv[4])
  redis.call('XDEL', keys[5], argv[4])
  return 'OK'
end

redis.register_function('fl_complete', complete)
