--[[
  rebuild of malformed events (a behaviour change, no new function): an
  entry `fl_rebuild` cannot read or fold (a Markdown or cache entry that is
  not JSON, data the fold cannot index) used to raise a Lua error, which
  failed the whole pipelined batch of `rebuild --all`; it is now that job's
  {'corrupt', 'MALFORMED_EVENT entry=<id>'} (010_rebuild.lua).
  A library cannot register `fl_rebuild` twice, so the function stays in
  010_rebuild.lua; this file moves the version past 018 so that every
  server loads the changed function (a binary that knows only 018 refuses
  this library rather than load its own over it).
]]
