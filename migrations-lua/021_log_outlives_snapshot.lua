--[[
  the log outlives its snapshot (a behaviour change, no new function): a
  call used to give the job's log its TTL before writing the snapshot with
  the same relative TTL, and Redis 7.0 reads its clock afresh for each
  command of a script, so the snapshot could outlive its log by the
  milliseconds between the two. In that window replay found `log_missing`
  and a new event would have restarted `seq` at 1 (seen as a flaky test in
  CI). Every call now writes the snapshot first, to expire exactly
  JOB_EXPIRATION after its last transition (`SET ... PXAT`, the rule
  `fl_rebuild` and replay apply), then renews the log (`renew_log`); a
  cache hit by reference renews its source log after its own
  (`keep_source_log`). The functions stay in their files (001-007); this
  file moves the version past 020 so that every server loads them, and a
  binary that knows only 020 refuses this library.
]]
