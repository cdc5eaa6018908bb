--[[
  complete: a running attempt records its result. In the same call: the
  buffered progress events, `completed`, the snapshot, the cache entry, the
  in-flight marker cleared, and the work entry acknowledged and deleted.
  `fl_complete_many` (012) records many completions of one shard this way.

  KEYS: 1 job, 2 job events, 3 cache entry, 4 in-flight hash, 5 work stream,
        6 feed, 7 cache source (`fl:{tag}:source:<hash>`)
  ARGV: 1 job_id, 2 attempt, 3 consumer, 4 entry id, 5 group,
        6 hints JSON [{hint, observed_at}], 7 result JSON, 8 markdown as a
        JSON string (encoded by the caller: the Lua never re-encodes it),
        9 job_ttl s, 10 cache_ttl s, 11 events_ttl s, 12 feed retention ms
  Returns: 'OK' (also when this attempt had already completed: a retried call)
  Errors: NO_SUCH_JOB, STALE_ATTEMPT (nothing written), JOB_TERMINAL
          (the job was cancelled: entry acknowledged, result dropped)
  Events: progress*, completed
]]

-- Records one completion. `k` = {job, events, cache, source, inflight, feed};
-- `o` = {job_id, attempt, consumer, hints, result, markdown_json, job_ttl,
-- cache_ttl, events_ttl, retention, now?, batch?}. Returns (ok, refusal,
-- ack): `ack` is true when the work entry must be acknowledged (written, or
-- a terminal job of this attempt); the caller acknowledges it.
-- Results this long or longer (result and markdown together) are written
-- piecewise (`store_pieces`); a shorter one is cheaper joined in Lua.
local PIECEWISE_RESULT = 8192

-- Writes the completed snapshot and the cache entry: the same text
-- `encode_snapshot` and `cache_entry` build, without building it in Lua
-- when the result is long (tens of KB for a real report, hashed byte by
-- byte for each string Lua makes of it).
local function store_result(k, s, o)
  if #o.result + #o.markdown_json < PIECEWISE_RESULT then
    store_snapshot(k.job, s, o.job_ttl, o.events_ttl)
    redis.call('SET', k.cache, cache_entry(o.result, o.markdown_json), 'EX', o.cache_ttl)
    return
  end
  local head = encode_head(s)
  store_pieces(k.job, { string.sub(head, 1, -2) .. ',"result":', o.result, ',"markdown":', o.markdown_json, '}' },
    o.job_ttl)
  store_pieces(k.cache, { '{"result":', o.result, ',"markdown":', o.markdown_json, '}' }, o.cache_ttl)
end

local function complete_entry(k, o)
  -- A worker older than this library sends the markdown raw (it starts with
  -- '#', never with a quote): encode it here, or the snapshot would not parse.
  local md = o.markdown_json
  if #md < 2 or string.byte(md, 1) ~= 34 or string.byte(md, -1) ~= 34 then
    o.markdown_json = cjson.encode(md)
  end
  local s = load_snapshot(k.job)
  if not s then return false, 'NO_SUCH_JOB job=' .. o.job_id, false end
  local attempt = tonumber(o.attempt)
  if s.status == 'completed' and s.attempt == attempt then return true, nil, true end
  local ack_anyway = TERMINAL[s.status] and s.attempt == attempt
  local ctx = new_ctx(k.events, k.feed, o.job_id, o.events_ttl, o.retention, o.now, o.batch)
  local events = progress_events(k.events, o.hints, attempt, o.consumer)
  table.insert(events, { type = 'completed', attempt = attempt, worker = o.consumer, data = {},
    data_json = '{}', result = o.result, markdown_json = o.markdown_json })
  local err
  s, err = fold_all(ctx, s, events)
  if err then return false, err, ack_anyway end
  local completed_id = write_events(ctx, events)
  s.markdown_json = o.markdown_json
  store_result(k, s, o)
  renew_log(ctx)
  -- Where the entry came from, for the cache hits that will refer to it.
  set_cache_source(k.source, o.job_id, completed_id, 'EX', o.cache_ttl)
  redis.call('HDEL', k.inflight, s.content_hash)
  return true, nil, true
end

local function complete(keys, argv)
  local ok, err, ack = complete_entry(
    { job = keys[1], events = keys[2], cache = keys[3], inflight = keys[4], feed = keys[6], source = keys[7] },
    { job_id = argv[1], attempt = argv[2], consumer = argv[3], hints = argv[6], result = argv[7],
      markdown_json = argv[8], job_ttl = argv[9], cache_ttl = argv[10], events_ttl = argv[11], retention = argv[12] })
  if ack then
    redis.call('XACK', keys[5], argv[5], argv[4])
    redis.call('XDEL', keys[5], argv[4])
  end
  if not ok then return redis.error_reply(err) end
  return 'OK'
end

redis.register_function('fl_complete', complete)
