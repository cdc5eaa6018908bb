--[[
  submit: the front door. In one atomic call: a cache hit creates a job born
  completed; identical content already in flight attaches to that job
  (single flight); otherwise a queued job, its artifact and a work entry.

  KEYS: 1 job, 2 job events, 3 cache entry, 4 shard in-flight hash,
        5 artifact, 6 shard work stream, 7 shard feed, 8 shard job index,
        9 cache source (`fl:{tag}:source:<hash>`)
  ARGV: 1 job_id, 2 content_hash, 3 content_type, 4 metadata JSON object,
        5 content ('' when the caller wrote the artifact key itself, in the
          same pipeline just before this call: large artifacts stay out of
          Lua, which hashes every byte of every string it is handed),
        6 job_ttl s, 7 events_ttl s, 8 feed retention ms,
        9 flags, space-separated: 'replace=<job id>' to take the in-flight
          marker over while it still names that job (whose snapshot the
          caller found expired); 'force' (callers before version 17) to
          ignore the marker; 'unsent' when the caller has not sent
          the content at all (a large artifact: a cache hit or an attach
          does not need it, so its bytes never reach Redis for those)
  Returns: {'cached'|'queued', job_id, snapshot JSON without the result}
           or {'attached', running_job_id, ''}
           or {'need_artifact', job_id, ''} ('unsent' and the content would
           be queued: nothing was written; the caller sends it again with
           the artifact key written beside. A kept artifact is not reused:
           it may be sealed with a key since retired.)
  Errors: DUPLICATE_JOB, BAD_METADATA
  `fl_submit_many` (013) submits many artifacts of one shard this way.
  Events: cache_hit | queued
]]
-- Submits one artifact. `k` = {job, events, cache, source, inflight,
-- artifact, work, feed, index}; `o` = {job_id, hash, content_type, metadata,
-- content, flags, job_ttl, events_ttl, retention, now?, batch?, hits?}.
-- `hits` memoises the cache entries (and their sources) a batch call reads:
-- popular content is read once per call, not once per submission. Returns
-- the reply row, or nil and the refusal.
local function has_flag(flags, name)
  if flags == nil or flags == '' then return false end -- the usual case: no iterator made
  for word in string.gmatch(flags, '%S+') do
    if word == name then return true end
  end
  return false
end

-- The value of a `name=value` flag, or nil.
local function flag_value(flags, name)
  if flags == nil or flags == '' then return nil end
  return string.match(' ' .. flags, ' ' .. name .. '=(%S+)')
end

local function submit_entry(k, o)
  local job_id, hash, job_ttl = o.job_id, o.hash, o.job_ttl
  if not has_flag(o.flags, 'force') then
    local running = redis.call('HGET', k.inflight, hash)
    if running and running ~= flag_value(o.flags, 'replace') then
      -- A large artifact written beside this call (for JOB_EXPIRATION) is
      -- the waiting job's own: kept as long as a waiting job is.
      if o.content == '' and not has_flag(o.flags, 'unsent') then
        redis.call('EXPIRE', k.artifact, o.events_ttl)
      end
      return { 'attached', running, '' }
    end
  end
  local ctx = new_ctx(k.events, k.feed, job_id, o.events_ttl, o.retention, o.now, o.batch)
  if ctx.seq > 0 then return nil, 'DUPLICATE_JOB job=' .. job_id end
  local ok, metadata = pcall(cjson.decode, o.metadata)
  if not ok then return nil, 'BAD_METADATA job=' .. job_id .. ' metadata is not JSON' end
  local data = { content_hash = hash, content_type = o.content_type, metadata = metadata }
  local ev = { type = 'queued', attempt = 0, data = data }
  local outcome = 'queued'
  local found = o.hits and o.hits[hash]
  if found == nil then
    -- A hit refers to the `completed` event that wrote the entry: the entry
    -- (often tens of KB) is neither read nor copied. Only when that event's
    -- log is gone does the entry's text go into the event and the snapshot
    -- whole (never cut, decoded or encoded again; a malformed entry is a
    -- miss). A miss costs one EXISTS.
    found = false
    if redis.call('EXISTS', k.cache) == 1 then
      local source = cache_source(k.source, shard_prefix_of(k.events, job_id))
      if source then
        found = { source = source }
      else
        local cached = redis.call('GET', k.cache)
        if cached and is_cache_entry(cached) then found = { entry = cached } end
      end
    end
    if o.hits then o.hits[hash] = found end
  end
  if not found and has_flag(o.flags, 'unsent') then return { 'need_artifact', job_id, '' } end
  -- A job must not be queued without its artifact: Redis may have refused
  -- the SET written beside this call (OOM at maxmemory) and still run it.
  if not found and o.content == '' and redis.call('EXISTS', k.artifact) == 0 then
    return nil, 'ARTIFACT_NOT_STORED job=' .. job_id .. ' the artifact written beside the call is not in Redis'
  end
  if found then
    ev.type, outcome = 'cache_hit', 'cached'
    if found.source then
      ev.source_job, ev.source_event = found.source.job, found.source.event
    else
      ev.cache_entry = found.entry
    end
  end
  local s = fold_all(ctx, nil, { ev })
  write_events(ctx, { ev })
  local head = encode_head(s)
  if found and found.entry then
    store_with_entry(k.job, head, found.entry, job_ttl)
  else
    redis.call('SET', k.job, head, 'EX', snapshot_ttl(s, job_ttl, o.events_ttl))
  end
  renew_log(ctx)
  if found and found.source then keep_source_log(found.source.log, o.events_ttl) end
  redis.call('ZADD', k.index, int(ctx.now), job_id)
  if outcome == 'queued' then
    -- Kept while the job waits, as its snapshot (a start renews it for
    -- JOB_EXPIRATION); a large one was written beside this call for
    -- JOB_EXPIRATION, as a hit or an attach may not need it at all.
    if o.content ~= '' then
      redis.call('SET', k.artifact, o.content, 'EX', o.events_ttl)
    else
      redis.call('EXPIRE', k.artifact, o.events_ttl)
    end
    redis.call('HSET', k.inflight, hash, job_id)
    redis.call('XADD', k.work, '*', 'job', job_id, 'hash', hash)
  end
  return { outcome, job_id, head }
end

local function submit(keys, argv)
  local row, err = submit_entry(
    { job = keys[1], events = keys[2], cache = keys[3], inflight = keys[4], artifact = keys[5],
      work = keys[6], feed = keys[7], index = keys[8], source = keys[9] },
    { job_id = argv[1], hash = argv[2], content_type = argv[3], metadata = argv[4], content = argv[5],
      job_ttl = argv[6], events_ttl = argv[7], retention = argv[8], flags = argv[9] })
  if not row then return redis.error_reply(err) end
  return row
end

redis.register_function('fl_submit', submit)
