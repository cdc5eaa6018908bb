--[[
  start: a worker takes a delivered work entry. Fenced twice: the entry must
  be in this consumer's pending list (a reclaimed entry belongs to its new
  owner), and the new attempt number is the fencing token every later call
  of this attempt must carry. `fl_take` (011) starts a whole read this way.

  KEYS: 1 job, 2 job events, 3 artifact, 4 work stream, 5 feed,
        6 in-flight hash, 7 dead-letter stream
  ARGV: 1 job_id, 2 entry id, 3 consumer, 4 group, 5 max_attempts,
        6 job_ttl s, 7 events_ttl s, 8 feed retention ms, 9 first progress hint ('' for none),
        10 ARTIFACTS_BY_CALLER (optional)
  Returns: {'run', attempt, content, content_type, metadata JSON, created_at ms}
           (with ARGV 10, content is '' when larger than INLINE_ARTIFACT
           bytes: the caller reads the artifact key itself, so the bytes
           never enter Lua)
           | {'skip', reason}   (entry acknowledged and deleted)
           | {'dead', attempt, error}  (attempts exhausted by lost workers,
             or the artifact is no longer stored: the job failed)
  Errors: NOT_OWNER
  Events: started [+ progress] | dead_lettered + failed
]]
-- Artifacts up to this size ride in the reply; a larger one is left to a
-- caller that says it reads artifacts itself by passing this marker
-- (GETRANGE reads one byte more than the limit to tell them apart). A
-- caller without it, a worker older than version 15 still running during
-- a rolling upgrade, gets every artifact whole, as it expects.
local INLINE_ARTIFACT = 2048
local INLINE_ARTIFACT_END = INLINE_ARTIFACT .. '' -- GETRANGE's end is inclusive
local ARTIFACTS_BY_CALLER = 'artifacts-by-caller'

local function reply_artifact(key, by_caller)
  if not by_caller then return redis.call('GET', key) or '' end
  local text = redis.call('GETRANGE', key, '0', INLINE_ARTIFACT_END)
  if #text > INLINE_ARTIFACT then return '' end
  return text
end

local function drop_entry(work_key, group, entry_id)
  redis.call('XACK', work_key, group, entry_id)
  redis.call('XDEL', work_key, entry_id)
end

-- Ends a job that cannot run: dead_lettered + failed, the dead-letter entry,
-- its in-flight marker released and its work entry dropped.
local function dead_letter(k, o, ctx, s, err)
  local events = {
    { type = 'dead_lettered', attempt = s.attempt, data = { error = err, attempts = s.attempt } },
    { type = 'failed', attempt = s.attempt, data = { error = err } },
  }
  s = fold_all(ctx, s, events)
  write_events(ctx, events)
  store_snapshot(k.job, s, o.job_ttl, o.events_ttl)
  renew_log(ctx)
  redis.call('HDEL', k.inflight, s.content_hash)
  redis.call('XADD', k.dead, '*', 'job', o.job_id, 'error', err, 'attempts', s.attempt)
  drop_entry(k.work, o.group, o.entry_id)
  return { 'dead', s.attempt, err }
end

-- Keeps the artifact for this attempt and any later one (a retry, or a
-- takeover after this worker dies): JOB_EXPIRATION from now (a takeover
-- after an outage longer than that fails the job saying so; the running
-- snapshot lives on to tell it). Heartbeats renew it during a long analysis
-- and a scheduled retry renews it for its backoff (018, 005), so no attempt
-- runs, or is retried, after its artifact expired. (A first start early in
-- the job's life used to skip this; with a short JOB_EXPIRATION the retry
-- of a long first attempt then found its artifact gone.) False when the
-- artifact is gone.
local function keep_artifact(k, o)
  return redis.call('EXPIRE', k.artifact, tonumber(o.job_ttl)) == 1
end

-- Starts one owned entry. `k` = {job, events, artifact, work, feed,
-- inflight, dead}; `o` = {job_id, entry_id, consumer, group,
-- max_attempts, job_ttl, events_ttl, retention, hint, by_caller, hash?, now?,
-- batch?}.
-- Returns the reply row of `fl_start`, or nil and the refusal.
local function start_entry(k, o)
  local job_id, consumer = o.job_id, o.consumer
  local s = load_snapshot(k.job)
  if not s then
    drop_entry(k.work, o.group, o.entry_id)
    redis.call('XADD', k.dead, '*', 'job', job_id, 'error', 'job expired before it ran', 'attempts', 0)
    -- Its in-flight marker would otherwise stay forever (the hash has no
    -- TTL); a later job of the same content may own it by now.
    if o.hash and redis.call('HGET', k.inflight, o.hash) == job_id then
      redis.call('HDEL', k.inflight, o.hash)
    end
    return { 'skip', 'expired' }
  end
  if TERMINAL[s.status] then
    drop_entry(k.work, o.group, o.entry_id)
    return { 'skip', s.status }
  end
  -- A retried call of our own start (the reply was lost): same attempt, no new event.
  if s.status == 'running' and s.worker == consumer then
    return { 'run', s.attempt, reply_artifact(k.artifact, o.by_caller), s.content_type, cjson.encode(s.metadata), s.created_at }
  end
  local ctx = new_ctx(k.events, k.feed, job_id, o.events_ttl, o.retention, o.now, o.batch)
  local attempt = s.attempt + 1
  local previous = s.worker
  if attempt > tonumber(o.max_attempts) then
    return dead_letter(k, o, ctx, s,
      'attempts exhausted: the job was taken over ' .. s.attempt .. ' times after its worker stopped responding')
  end
  if not keep_artifact(k, o) then
    return dead_letter(k, o, ctx, s, 'the artifact is no longer stored (it expired after JOB_EXPIRATION '
      .. 'or was evicted) before attempt ' .. attempt .. ' could run: submit the content again')
  end
  local started = { type = 'started', attempt = attempt, worker = consumer,
    data = { reclaimed = (s.status == 'running'), previous_worker = previous } }
  -- A first delivery's payload is always the same text.
  if previous == nil then started.data_json = '{"reclaimed":false}' end
  local events = { started }
  if o.hint ~= '' then
    o.hint_json = o.hint_json or cjson.encode({ hint = o.hint })
    table.insert(events, { type = 'progress', attempt = attempt, worker = consumer, data = { hint = o.hint },
      data_json = o.hint_json })
  end
  local err
  s, err = fold_all(ctx, s, events)
  if err then return nil, err end
  write_events(ctx, events)
  store_snapshot(k.job, s, o.job_ttl, o.events_ttl)
  -- Renewed every time (one EXPIRE): a start used to skip it when the
  -- birth's expiry seemed far enough, which missed a log deleted meanwhile
  -- (its new stream then had no TTL at all) and a raised EVENT_RETENTION.
  renew_log(ctx)
  return { 'run', attempt, reply_artifact(k.artifact, o.by_caller), s.content_type, cjson.encode(s.metadata), s.created_at }
end

local function start(keys, argv)
  local owned = redis.call('XPENDING', keys[4], argv[4], argv[2], argv[2], 1, argv[3])
  if #owned == 0 then return refuse('NOT_OWNER', 'job=' .. argv[1] .. ' entry=' .. argv[2]) end
  local row, err = start_entry(
    { job = keys[1], events = keys[2], artifact = keys[3], work = keys[4], feed = keys[5],
      inflight = keys[6], dead = keys[7] },
    { job_id = argv[1], entry_id = argv[2], consumer = argv[3], group = argv[4], max_attempts = argv[5],
      job_ttl = argv[6], events_ttl = argv[7], retention = argv[8], hint = argv[9],
      by_caller = argv[10] == ARTIFACTS_BY_CALLER, hash = string.match(keys[3], ':artifact:([^:]+)$') })
  if not row then return redis.error_reply(err) end
  return row
end

redis.register_function('fl_start', start)
