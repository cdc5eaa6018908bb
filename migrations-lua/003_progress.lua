--[[
  progress: a running attempt reports the stages it has begun. Workers
  buffer hints and send several at once; each is still its own event.

  KEYS: 1 job, 2 job events, 3 feed
  ARGV: 1 job_id, 2 attempt, 3 consumer, 4 hints JSON [{hint, observed_at,
          resent?}] (`resent`: sent before in a call whose reply was lost;
          not appended again if that call did record it),
        5 job_ttl s, 6 events_ttl s, 7 feed retention ms
  Returns: 'OK'
  Errors: NO_SUCH_JOB, JOB_TERMINAL (e.g. cancelled: stop working), STALE_ATTEMPT,
          INVALID_TRANSITION
  Events: progress (one per hint)
]]
-- The (hint, observed_at) pairs of this attempt's progress among the log's
-- last `n` entries: where hints sent in a call whose reply was lost are, if
-- that call ran (one writer per attempt, and every call all or nothing).
local function recorded_hints(events_key, attempt, n)
  local seen = {}
  for _, entry in ipairs(redis.call('XREVRANGE', events_key, '+', '-', 'COUNT', n)) do
    local f = entry_fields(entry)
    if f.type == 'progress' and tonumber(f.attempt) == attempt then
      local ok, d = pcall(cjson.decode, f.data)
      if ok and type(d) == 'table' and d.hint ~= nil and d.observed_at ~= nil then
        seen[tostring(d.hint) .. '\0' .. int(d.observed_at)] = true
      end
    end
  end
  return seen
end

-- Progress events for the hints, less the `resent` ones already in the log.
local function progress_events(events_key, hints_json, attempt, consumer)
  local events, hints, resent = {}, cjson.decode(hints_json), 0
  for _, h in ipairs(hints) do
    if h.resent then resent = resent + 1 end
  end
  local seen = resent > 0 and recorded_hints(events_key, attempt, resent) or nil
  for _, h in ipairs(hints) do
    if not (seen and h.resent and seen[tostring(h.hint) .. '\0' .. int(h.observed_at)]) then
      -- The payload text is written as is (see `int` in lib/util.lua).
      local data_json = '{"hint":' .. cjson.encode(h.hint) .. ',"observed_at":' .. int(h.observed_at) .. '}'
      table.insert(events, { type = 'progress', attempt = attempt, worker = consumer,
        data = { hint = h.hint, observed_at = h.observed_at }, data_json = data_json })
    end
  end
  return events
end

local function progress(keys, argv)
  local s = load_snapshot(keys[1])
  if not s then return refuse('NO_SUCH_JOB', 'job=' .. argv[1]) end
  local ctx = new_ctx(keys[2], keys[3], argv[1], argv[6], argv[7])
  local events = progress_events(keys[2], argv[4], tonumber(argv[2]), argv[3])
  if #events == 0 then return 'OK' end -- every hint was already recorded
  local err
  s, err = fold_all(ctx, s, events)
  if err then return redis.error_reply(err) end
  -- The log's TTL is renewed with the snapshot's, so it never expires
  -- while the job lives (a long analysis reports progress for a while).
  write_events(ctx, events)
  store_snapshot(keys[1], s, argv[5], argv[6])
  renew_log(ctx)
  return 'OK'
end

redis.register_function('fl_progress', progress)
