--[[
  job lifetimes (behaviour changes, no new function):
  - a start renews the artifact when a later attempt may need it (a retry,
    a takeover), and ends the job with a clear error if the artifact is
    gone instead of handing the worker an empty one (002_start.lua);
  - the job's log is renewed whenever the snapshot could outlive it
    (002_start.lua, 003_progress.lua);
  - a job that expired before it ran releases its in-flight marker;
  - a failed attempt of a job cancelled meanwhile acknowledges its entry
    (005_fail.lua);
  - feedback stops at FEEDBACK_LOG_LIMIT events (007_feedback.lua);
  - pruning checks a whole millisecond of the index when a page is full
    of it, and a rebuild re-adds an index entry to the recheck set
    (008_maintain.lua, 010_rebuild.lua);
  - a submission takes over a stale in-flight marker only while it still
    names the expired job ('replace=<id>', 001_submit.lua).
  - new function `fl_prune_consumers` forgets the consumers stopped
    workers left behind (008_maintain.lua).
  The submit flags changed meaning, so the version moves past 016.
]]
