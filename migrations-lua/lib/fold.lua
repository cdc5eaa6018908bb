--[[
  The fold: how one event changes a job snapshot. The same rules live in
  src/engine/fold.rs; a property test drives both with random sequences.

  fold(state, ev, job_id) -> new_state | nil, error_string
  `state` is nil before the first event. `ev` = {seq, type, ts, attempt,
  worker, data, result?, markdown? | markdown_json? | cache_entry?
  | source_job + source_event | source = {job_id, stream_id}}. Feedback is logged but changes nothing.
]]
local HINTS = {
  queued = 'Queued for analysis',
  cache_hit = 'Served from cache',
  started = 'Starting analysis...',
  completed = 'Analysis complete',
  retry_scheduled = 'Retry scheduled',
  dead_lettered = 'Attempts exhausted',
  failed = 'Analysis failed',
  cancelled = 'Cancelled',
}

local function born(ev, job_id, status)
  local d = ev.data
  return {
    job_id = job_id, status = status, content_hash = d.content_hash or '',
    content_type = d.content_type or '', metadata = d.metadata or {}, progress_hint = HINTS[ev.type],
    created_at = ev.ts, updated_at = ev.ts, attempt = 0, version = ev.seq,
    cached = (ev.type == 'cache_hit'),
  }
end

local function check_attempt(s, ev)
  if tonumber(ev.attempt) ~= s.attempt then
    return 'STALE_ATTEMPT job=' .. s.job_id .. ' attempt=' .. tostring(ev.attempt) .. ' current=' .. s.attempt
  end
end

local function fold(s, ev, job_id)
  local t = ev.type
  if s == nil then
    if t == 'queued' then return born(ev, job_id, 'queued') end
    if t == 'cache_hit' then
      local n = born(ev, job_id, 'completed')
      -- By reference (stream fields `source_job`/`source_event`, or the
      -- `source` object of an event given as JSON): the snapshot names the
      -- `completed` event that holds the result instead of copying it.
      local src = type(ev.source) == 'table' and ev.source or {}
      local src_job = ev.source_job or src.job_id
      if src_job ~= nil then
        n.result_source = { job_id = src_job, event_id = ev.source_event or src.stream_id }
        return n
      end
      n.result, n.markdown, n.markdown_json = ev.result, ev.markdown, ev.markdown_json
      n.cache_entry = ev.cache_entry
      return n
    end
    return nil, 'NO_SUCH_JOB job=' .. job_id
  end
  if t == 'feedback' then return s end
  if t == 'queued' or t == 'cache_hit' then
    return nil, 'INVALID_TRANSITION job=' .. job_id .. ' from=' .. s.status .. ' event=' .. t
  end
  if TERMINAL[s.status] then
    return nil, 'JOB_TERMINAL job=' .. job_id .. ' status=' .. s.status .. ' event=' .. t
  end
  local err
  if t == 'started' then
    if tonumber(ev.attempt) ~= s.attempt + 1 then
      return nil, 'STALE_ATTEMPT job=' .. job_id .. ' attempt=' .. tostring(ev.attempt) .. ' current=' .. s.attempt
    end
    s.status, s.attempt, s.worker = 'running', s.attempt + 1, ev.worker
    s.progress_hint = HINTS.started
  elseif t == 'progress' or t == 'completed' or t == 'retry_scheduled' then
    if s.status ~= 'running' then
      return nil, 'INVALID_TRANSITION job=' .. job_id .. ' from=' .. s.status .. ' event=' .. t
    end
    err = check_attempt(s, ev)
    if err then return nil, err end
    if t == 'progress' then
      s.progress_hint = ev.data.hint or ''
    elseif t == 'completed' then
      s.status, s.progress_hint = 'completed', HINTS.completed
      s.result, s.markdown = ev.result, ev.markdown
    else
      s.status, s.progress_hint, s.error = 'queued', HINTS.retry_scheduled, ev.data.error
    end
  elseif t == 'dead_lettered' or t == 'failed' then
    err = check_attempt(s, ev)
    if err then return nil, err end
    s.progress_hint, s.error = HINTS[t], ev.data.error
    if t == 'failed' then s.status = 'failed' end
  elseif t == 'cancelled' then
    s.status, s.progress_hint = 'cancelled', HINTS.cancelled
  else
    return nil, 'UNKNOWN_EVENT type=' .. tostring(t)
  end
  s.updated_at, s.version = ev.ts, ev.seq
  return s
end

-- Folds a call's events in order, numbering them after the job's log. Runs
-- before any write: Redis does not roll back a script's writes, so a
-- refusal must be found while nothing has been written.
local function fold_all(ctx, s, events)
  local seq = ctx.seq
  for _, ev in ipairs(events) do
    seq = seq + 1
    ev.seq, ev.ts = seq, ctx.now
    local err
    s, err = fold(s, ev, ctx.job_id)
    if err then return nil, err end
  end
  return s
end
