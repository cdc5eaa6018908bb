--[[
  rebuild: refolds one job's own stream with the library's fold and repairs
  the projections that drifted from it: the snapshot (value and TTL), the
  job index and the cache entry. One atomic call, so a
  transition is either wholly before it or wholly after it: a rebuild never
  writes back a state older than the log. A job whose snapshot expired on
  time stays expired (its log still replays).

  KEYS: 1 job, 2 job events, 3 shard job index,
        4 cache entry (optional: left out when it lies in another slot)
  ARGV: 1 job_id, 2 job_ttl s, 3 cache_ttl s, 4 'dry-run' to only report,
        5 events_ttl s (the lifetime of a job that has not ended; job_ttl
        when absent)
  Returns: {outcome, detail}
    outcome: 'consistent' | 'repaired' | 'drifted' (dry run) | 'expired'
             | 'corrupt' (detail: why the log does not fold, MALFORMED_EVENT
               for an entry that cannot be read) | 'empty' (no log)
    detail:  the projections that drifted, comma-separated
             (snapshot, index, cache)
]]

-- Deep equality of two decoded JSON values.
local function same(a, b)
  if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end
  for k, v in pairs(a) do
    if not same(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- One stream entry as the event table the fold takes; nil and why if
-- malformed. A cache hit that refers to the `completed` event its result
-- came from folds to a snapshot naming that event: it is not read here.
local function read_event(entry)
  local f = entry_fields(entry)
  if (f.source_job == nil) ~= (f.source_event == nil) then
    return nil, 'MALFORMED_EVENT entry=' .. entry[1]
  end
  local ok, data = pcall(cjson.decode, f.data or '{}')
  local seq, ts, attempt = tonumber(f.seq), tonumber(f.ts), tonumber(f.attempt)
  if not (ok and seq and ts and attempt and f.type) then
    return nil, 'MALFORMED_EVENT entry=' .. entry[1]
  end
  local result, markdown = f.result, f.markdown or (f.markdown_json and cjson.decode(f.markdown_json))
  if f.cache_entry then
    result, markdown = split_cache_entry(f.cache_entry)
    if not result then return nil, 'MALFORMED_EVENT entry=' .. entry[1] end
  end
  return { seq = seq, type = f.type, ts = ts, attempt = attempt, worker = f.worker,
    data = data, result = result, markdown = markdown,
    source_job = f.source_job, source_event = f.source_event }
end

local function rebuild(keys, argv)
  local job_id, dry_run = argv[1], argv[4] == 'dry-run'
  local entries = redis.call('XRANGE', keys[2], '-', '+')
  if #entries == 0 then return { 'empty', '' } end
  local prefix = shard_prefix_of(keys[2], job_id)
  local s, completed_at, completed_id
  for _, entry in ipairs(entries) do
    -- A malformed entry may raise (cjson on a bad Markdown or cache entry,
    -- data the fold cannot index): it is this job's `corrupt`, not an error
    -- that fails a whole pipelined `rebuild --all` batch.
    local malformed = { 'corrupt', 'MALFORMED_EVENT entry=' .. entry[1] }
    local read, ev, bad = pcall(read_event, entry)
    if not read then return malformed end
    if not ev then return { 'corrupt', bad } end
    local folded, next_s, err = pcall(fold, s, ev, job_id)
    if not folded then return malformed end
    if err then return { 'corrupt', err .. ' entry=' .. entry[1] } end
    s = next_s
    if ev.type == 'completed' then completed_at, completed_id = ev.ts, entry[1] end
  end
  local now = now_ms()
  local expires = s.updated_at + tonumber(snapshot_ttl(s, argv[2], argv[5] or argv[2])) * 1000
  if expires <= now then return { 'expired', '' } end
  -- Never past the log's own expiry (a lifetime raised since the log was
  -- last renewed): the log must outlive the snapshot.
  local log_ttl = redis.call('PTTL', keys[2])
  if log_ttl > 0 and now + log_ttl < expires then expires = now + log_ttl end

  local drift = {}
  local ok, stored = pcall(load_snapshot, keys[1])
  local snapshot_drift = not (ok and same(stored, s)) or redis.call('PTTL', keys[1]) < 0
  if snapshot_drift then drift[#drift + 1] = 'snapshot' end
  local index_drift = tonumber(redis.call('ZSCORE', keys[3], job_id)) ~= s.created_at
  if index_drift then drift[#drift + 1] = 'index' end
  -- Only a missing entry is drift: a different one may come from a later
  -- analysis of the same content.
  local cache_expires = completed_at and (completed_at + tonumber(argv[3]) * 1000)
  local cache_drift = keys[4] ~= nil and s.status == 'completed' and cache_expires ~= nil
    and cache_expires > now and redis.call('EXISTS', keys[4]) == 0
  if cache_drift then drift[#drift + 1] = 'cache' end

  if #drift == 0 then return { 'consistent', '' } end
  local detail = table.concat(drift, ',')
  if dry_run then return { 'drifted', detail } end
  -- Absolute expiries: relative ones would count from a later moment of
  -- this call than `now`.
  if snapshot_drift then redis.call('SET', keys[1], encode_snapshot(s), 'PXAT', int(expires)) end
  if index_drift then
    redis.call('ZADD', keys[3], s.created_at, job_id)
    -- Pruning's first check may have passed this `created_at` already: the
    -- recheck set (`<index>:expiry`) makes sure the entry goes with its job.
    redis.call('ZADD', keys[3] .. ':expiry', expires, job_id)
  end
  if cache_drift then
    redis.call('SET', keys[4], cache_entry(s.result, cjson.encode(s.markdown)), 'PXAT', int(cache_expires))
    set_cache_source(prefix .. 'source:' .. s.content_hash, job_id, completed_id, 'PXAT', int(cache_expires))
  end
  return { 'repaired', detail }
end

redis.register_function('fl_rebuild', rebuild)
