--[[
  fail: a running attempt failed. A retryable error with attempts left is
  scheduled again after `delay_ms` (retry_scheduled, back to queued, the job
  parked in the shard's delayed set); otherwise the attempts are exhausted:
  dead_lettered then failed, and an entry in the dead-letter stream.
  Either way the work entry is acknowledged and deleted in this call.

  KEYS: 1 job, 2 job events, 3 in-flight hash, 4 work stream, 5 feed,
        6 delayed set, 7 dead-letter stream
  ARGV: 1 job_id, 2 attempt, 3 consumer, 4 entry id, 5 group,
        6 hints JSON, 7 error message, 8 retryable '1'|'0', 9 max_attempts,
        10 delay ms, 11 job_ttl s, 12 events_ttl s, 13 feed retention ms
  Returns: 'retry' | 'dead' (also for a retried call that already took effect)
  Errors: NO_SUCH_JOB, STALE_ATTEMPT, JOB_TERMINAL
  Events: progress*, retry_scheduled | dead_lettered + failed
]]
local function fail(keys, argv)
  local s = load_snapshot(keys[1])
  if not s then return refuse('NO_SUCH_JOB', 'job=' .. argv[1]) end
  local attempt, err_msg = tonumber(argv[2]), argv[7]
  if s.attempt == attempt and s.status == 'failed' then return 'dead' end
  if s.attempt == attempt and s.status == 'queued' then return 'retry' end
  local ctx = new_ctx(keys[2], keys[5], argv[1], argv[12], argv[13])
  local events = progress_events(keys[2], argv[6], attempt, argv[3])
  local retry = argv[8] == '1' and attempt < tonumber(argv[9])
  if retry then
    table.insert(events, { type = 'retry_scheduled', attempt = attempt, worker = argv[3],
      data = { error = err_msg, delay_ms = tonumber(argv[10]) } })
  else
    table.insert(events, { type = 'dead_lettered', attempt = attempt, worker = argv[3],
      data = { error = err_msg, attempts = attempt } })
    table.insert(events, { type = 'failed', attempt = attempt, worker = argv[3], data = { error = err_msg } })
  end
  local ended = TERMINAL[s.status] and s.attempt == attempt
  local err
  s, err = fold_all(ctx, s, events)
  if err then
    -- Cancelled while this attempt ran: nothing to record, but the entry
    -- is done with (as `fl_complete` does), not left to be reclaimed.
    if ended then
      redis.call('XACK', keys[4], argv[5], argv[4])
      redis.call('XDEL', keys[4], argv[4])
    end
    return redis.error_reply(err)
  end
  write_events(ctx, events)
  store_snapshot(keys[1], s, argv[11], argv[12])
  renew_log(ctx)
  if retry then
    redis.call('ZADD', keys[6], int(ctx.now + tonumber(argv[10])), argv[1] .. ' ' .. s.content_hash)
    -- The retry needs the artifact after the backoff and any wait for a
    -- worker: kept as long as the queued snapshot (same slot; the key is
    -- the shard's `artifact:<hash>`).
    redis.call('EXPIRE', shard_prefix_of(keys[2], argv[1]) .. 'artifact:' .. s.content_hash, argv[12])
  else
    redis.call('HDEL', keys[3], s.content_hash)
    redis.call('XADD', keys[7], '*', 'job', argv[1], 'error', err_msg, 'attempts', attempt)
  end
  redis.call('XACK', keys[4], argv[5], argv[4])
  redis.call('XDEL', keys[4], argv[4])
  if retry then return 'retry' end
  return 'dead'
end

redis.register_function('fl_fail', fail)
