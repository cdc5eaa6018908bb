--[[
  feedback: a user's verdict on a job's report, kept in the job's log (the
  seed threw it away). Accepted in any state; the snapshot does not change.

  KEYS: 1 job, 2 job events, 3 feed
  ARGV: 1 job_id, 2 is_useful '1'|'0', 3 comment, 4 events_ttl s, 5 feed retention ms
  Returns: the event's sequence number
  Errors: NO_SUCH_JOB, FEEDBACK_LIMIT (the log already holds
          FEEDBACK_LOG_LIMIT events: feedback must not grow it without bound)
  Events: feedback
]]
-- A job's own transitions make a few dozen events at most (each attempt:
-- started, progress, retry); the rest of this room is feedback's. Replay
-- and the timeline read a log whole, so it stays bounded (comments are at
-- most 4,000 characters: a full log is a few MB at worst).
local FEEDBACK_LOG_LIMIT = 256

local function feedback(keys, argv)
  local s = load_snapshot(keys[1])
  if not s then return refuse('NO_SUCH_JOB', 'job=' .. argv[1]) end
  local ctx = new_ctx(keys[2], keys[3], argv[1], argv[4], argv[5])
  if ctx.seq >= FEEDBACK_LOG_LIMIT then
    return refuse('FEEDBACK_LIMIT', 'job=' .. argv[1] .. ' its log holds ' .. ctx.seq .. ' events')
  end
  local events = { { type = 'feedback', attempt = s.attempt,
    data = { is_useful = (argv[2] == '1'), comment = argv[3] } } }
  fold_all(ctx, s, events)
  write_events(ctx, events)
  -- The snapshot keeps its TTL; the log is renewed, and so is the log
  -- holding a cache hit's result.
  renew_log(ctx)
  if s.result_source then
    keep_source_log(shard_prefix_of(keys[2], argv[1]) .. 'events:' .. s.result_source.job_id, argv[4])
  end
  return ctx.seq
end

redis.register_function('fl_feedback', feedback)
