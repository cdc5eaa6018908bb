--[[
  progress: a running attempt reports the stages it has begun. Workers
  buffer hints and send several at once; each is still its own event.

  KEYS: 1 job, 2 job events, 3 feed
  ARGV: 1 job_id, 2 attempt, 3 consumer, 4 hints JSON [{hint, observed_at}],
        5 job_ttl s, 6 events_ttl s, 7 feed retention ms
  Returns: 'OK'
  Errors: NO_SUCH_JOB, JOB_TERMINAL (e.g. cancelled: stop working), STALE_ATTEMPT,
          INVALID_TRANSITION
  Events: progress (one per hint)
]]
local function progress_events(hints_json, attempt, consumer)
  local events = {}
  for _, h in ipairs(cjson.decode(hints_json)) do
    -- The payload text is written as is (see `int` in lib/util.lua).
    local data_json = '{"hint":' .. cjson.encode(h.hint) .. ',"observed_at":' .. int(h.observed_at) .. '}'
    table.insert(events, { type = 'progress', attempt = attempt, worker = consumer,
      data = { hint = h.hint, observed_at = h.observed_at }, data_json = data_json })
  end
  return events
end

local function progress(keys, argv)
  local s = load_snapshot(keys[1])
  if not s then return refuse('NO_SUCH_JOB', 'job=' .. argv[1]) end
  local ctx = new_ctx(keys[2], keys[3], argv[1], argv[6], argv[7])
  local events = progress_events(argv[4], tonumber(argv[2]), argv[3])
  local err
  s, err = fold_all(ctx, s, events)
  if err then return redis.error_reply(err) end
  -- The log's TTL is renewed with the snapshot's, so it never expires
  -- while the job lives (a long analysis reports progress for a while).
  write_events(ctx, events, true)
  store_snapshot(keys[1], s, argv[5])
  return 'OK'
end

redis.register_function('fl_progress', progress)
