--[[
  the log outlives its snapshot (a behaviour change, no new function): a
  call used to give the job's log its TTL before writing the snapshot with
  the same relative TTL, and Redis 7.0 reads its clock afresh for each
  command of a script, so the snapshot could outlive its log by the
  milliseconds between the two. In that window replay found `log_missing`
  and a new event would have restarted `seq` at 1 (seen as a flaky test in
  CI). Every call now writes the snapshot first, then renews the log
  (`renew_log`), and a start always renews it (it used to skip that when
  the birth's expiry seemed far enough, which left a log deleted meanwhile
  without any TTL). A snapshot written whole expires exactly JOB_EXPIRATION
  after its last transition (`SET ... PXAT`), as `fl_rebuild` now writes
  it too (010). A cache hit by reference renews its source log after its
  own (`keep_source_log`). The functions stay in their files (001-010); this
  file moves the version past 020 so that every server loads them, and a
  binary that knows only 020 refuses this library.
]]
