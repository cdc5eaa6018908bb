--[[
  heartbeat: a running attempt keeps its work entry claimed (its idle time
  reset, so no other worker's XAUTOCLAIM takes it), fenced like every
  transition. An attempt that was taken over, or whose job was cancelled
  or has ended, claims nothing and is told so: a stale worker can no longer
  take the entry back from its new owner, and it stops analysing for
  nothing. (It used to be a plain `XCLAIM … 0` from the worker.)

  KEYS: 1 job, 2 work stream
  ARGV: 1 job_id, 2 attempt, 3 consumer, 4 entry id, 5 group,
        6 job_ttl s (renews the job's artifact; callers before version 20
          pass none)
  Returns: 'OK'
  Errors: NO_SUCH_JOB, JOB_TERMINAL, STALE_ATTEMPT
  Events: none (a heartbeat changes no state)
]]
local function heartbeat(keys, argv)
  local s = load_snapshot(keys[1])
  if not s then return refuse('NO_SUCH_JOB', 'job=' .. argv[1]) end
  if TERMINAL[s.status] then
    return refuse('JOB_TERMINAL', 'job=' .. argv[1] .. ' status=' .. s.status .. ' event=heartbeat')
  end
  if s.status ~= 'running' or tonumber(argv[2]) ~= s.attempt then
    return refuse('STALE_ATTEMPT', 'job=' .. argv[1] .. ' attempt=' .. argv[2] .. ' current=' .. s.attempt)
  end
  redis.call('XCLAIM', keys[2], argv[5], argv[3], 0, argv[4], 'JUSTID')
  -- A long analysis keeps its artifact (same slot: the work stream's
  -- shard) for a retry or a takeover: JOB_EXPIRATION from now, if given.
  if argv[6] then
    redis.call('EXPIRE', string.sub(keys[2], 1, -5) .. 'artifact:' .. s.content_hash, argv[6])
  end
  return 'OK'
end

redis.register_function('fl_heartbeat', heartbeat)
