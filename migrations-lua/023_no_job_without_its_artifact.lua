--[[
  no job without its artifact (a behaviour change, no new function): a
  large artifact is written with a plain SET in the pipeline just before
  `fl_submit`/`fl_submit_many` (014), and Redis runs the call even when it
  refused that SET (OOM at maxmemory under noeviction). The job was then
  queued without its artifact, and the worker dead-lettered it at once
  ("the artifact is no longer stored"), while its client got an error. Now
  a submission that would queue a job checks the artifact is there first
  (one EXISTS, large artifacts only) and otherwise refuses having written
  nothing: `ARTIFACT_NOT_STORED job=<id> ...` (an error reply of
  `fl_submit`, a refused row of `fl_submit_many`), which the service
  answers as 503, like the refused write. The functions stay in their
  files; this file moves the version past 022.
]]
