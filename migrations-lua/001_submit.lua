--[[
  submit: the front door. In one atomic call: a cache hit creates a job born
  completed; identical content already in flight attaches to that job
  (single flight); otherwise a queued job, its artifact and a work entry.

  KEYS: 1 job, 2 job events, 3 cache entry, 4 shard in-flight hash,
        5 artifact, 6 shard work stream, 7 shard feed, 8 shard job index
  ARGV: 1 job_id, 2 content_hash, 3 content_type, 4 metadata JSON object,
        5 content, 6 job_ttl s, 7 events_ttl s, 8 feed retention ms,
        9 'force' to ignore the in-flight marker (it pointed at an expired job)
  Returns: {'cached'|'queued', job_id, snapshot JSON without the result}
           or {'attached', running_job_id}
  Events: cache_hit | queued
]]
local function submit(keys, argv)
  local job_id, hash, job_ttl = argv[1], argv[2], argv[6]
  if argv[9] ~= 'force' then
    local running = redis.call('HGET', keys[4], hash)
    if running then return { 'attached', running } end
  end
  local ctx = new_ctx(keys[2], keys[7], job_id, argv[7], argv[8])
  if ctx.seq > 0 then return refuse('DUPLICATE_JOB', 'job=' .. job_id) end
  local data = { content_hash = hash, content_type = argv[3], metadata = cjson.decode(argv[4]) }
  local ev = { type = 'queued', attempt = 0, data = data }
  local outcome = 'queued'
  local cached = redis.call('GET', keys[3])
  if cached then
    ev.type, outcome = 'cache_hit', 'cached'
    ev.result, ev.markdown = split_cache_entry(cached)
  end
  local s = fold_all(ctx, nil, { ev })
  write_events(ctx, { ev }, true)
  local text = store_snapshot(keys[1], s, job_ttl)
  redis.call('ZADD', keys[8], int(ctx.now), job_id)
  if outcome == 'queued' then
    redis.call('SET', keys[5], argv[5], 'EX', job_ttl)
    redis.call('HSET', keys[4], hash, job_id)
    redis.call('XADD', keys[6], '*', 'job', job_id, 'hash', hash)
  end
  -- A queued snapshot has no result: the stored text is already the head.
  if outcome == 'cached' then text = encode_head(s) end
  return { outcome, job_id, text }
end

redis.register_function('fl_submit', submit)
