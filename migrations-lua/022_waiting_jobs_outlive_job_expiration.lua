--[[
  a job that has not ended lives as long as its log (a behaviour change, no
  new function): its snapshot used to expire JOB_EXPIRATION after its last
  transition whatever its state, so a job queued behind a backlog, or
  waiting for workers that were down, longer than JOB_EXPIRATION vanished
  (404 to its client, a dead letter "job expired before it ran" when a
  worker came). Now a queued or running snapshot expires EVENT_RETENTION
  (at least JOB_EXPIRATION) after its last transition, and JOB_EXPIRATION
  after the transition that ends it (`snapshot_ttl`); a queued job's
  artifact is kept as long (submit, retry), a start renews it for
  JOB_EXPIRATION as before, and so does a cancel (`EXPIRE ... LT`); an
  attach that brought a large artifact again (written beside the call for
  JOB_EXPIRATION) keeps it as long as the waiting job. `fl_rebuild` takes
  EVENT_RETENTION as ARGV 5, applies the same rule and never sets a
  snapshot's expiry past its log's. After the upgrade, jobs that waited
  past JOB_EXPIRATION under an older library (and expired then) replay as
  `snapshot_missing` until their EVENT_RETENTION ends. The functions stay
  in their files; this file moves the version past 021.
]]
