--[[
  artifacts by caller (a protocol change, no new function): `fl_start` and
  `fl_take` leave an artifact over 2 KB out of their reply only for a
  caller that passes the ARTIFACTS_BY_CALLER marker (002_start.lua). Under
  library version 14 they left it out for every caller, so a worker from
  before version 14 still running during a rolling upgrade received ''
  for a large artifact, failed the attempt, and the job was retried into
  the dead-letter stream. Such a worker now gets the artifact whole. The
  arguments changed, so the version moves past 014: a binary that knows
  only 014 refuses to start against this library.
]]
