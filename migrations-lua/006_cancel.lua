--[[
  cancel: stop a queued or running job. The worker learns it at its next
  progress or completion call (JOB_TERMINAL) and writes no result; a work
  entry still waiting is dropped when a worker starts it.

  KEYS: 1 job, 2 job events, 3 in-flight hash, 4 feed, 5 delayed set
  ARGV: 1 job_id, 2 reason, 3 job_ttl s, 4 events_ttl s, 5 feed retention ms
  Returns: 'OK'
  Errors: NO_SUCH_JOB, JOB_TERMINAL
  Events: cancelled
]]
local function cancel(keys, argv)
  local s = load_snapshot(keys[1])
  if not s then return refuse('NO_SUCH_JOB', 'job=' .. argv[1]) end
  local ctx = new_ctx(keys[2], keys[4], argv[1], argv[4], argv[5])
  local events = { { type = 'cancelled', attempt = s.attempt, data = { reason = argv[2] } } }
  local err
  s, err = fold_all(ctx, s, events)
  if err then return redis.error_reply(err) end
  write_events(ctx, events)
  store_snapshot(keys[1], s, argv[3], argv[4])
  renew_log(ctx)
  -- A job cancelled while it waited held its artifact for EVENT_RETENTION:
  -- back to JOB_EXPIRATION at most, as after a start.
  redis.call('EXPIRE', shard_prefix_of(keys[2], argv[1]) .. 'artifact:' .. s.content_hash, argv[3], 'LT')
  redis.call('HDEL', keys[3], s.content_hash)
  redis.call('ZREM', keys[5], argv[1] .. ' ' .. s.content_hash)
  return 'OK'
end

redis.register_function('fl_cancel', cancel)
