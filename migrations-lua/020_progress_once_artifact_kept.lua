--[[
  progress once (a behaviour change, no new function): a worker whose
  `fl_progress` call timed out could not tell whether it ran, sent the same
  hints again with its next call, and the log recorded them twice or three
  times. The worker now marks hints it sends again `resent`, and
  `fl_progress`, `fl_complete(_many)` and `fl_fail` (003, 004, 005) leave
  out those already among the attempt's last progress events (same hint,
  same `observed_at`): one `XREVRANGE`, only in a call that carries resent
  hints. The functions stay in their files (a library cannot register one
  twice); this file moves the version past 019 so that every server loads
  them, and a binary that knows only 019 refuses this library.

  Also in this version, artifacts outlive every attempt: `fl_start`/`fl_take`
  always renew the job's artifact (a first start early in the job's life
  used to skip it, so with a short JOB_EXPIRATION a long first attempt's
  retry found it gone and was dead-lettered), `fl_heartbeat` renews it
  during a long analysis (new ARGV 6, job_ttl), and a scheduled retry
  renews it for its backoff (002, 018, 005).
]]
