--[[
  large payloads (a protocol change, no new function): artifacts over 2 KB
  travel beside `fl_submit`/`fl_submit_many` (the caller SETs the artifact
  key in the same pipeline and passes '' as the content) and are left out
  of `fl_start`/`fl_take` replies for the worker to read; `fl_complete` and
  `fl_complete_many` take the markdown JSON-encoded. The arguments changed
  meaning, so the library's version moves past 013: a binary that knows
  only 013 refuses to start against this library instead of calling it
  with the old ones. (Running older workers are still understood:
  `fl_complete` encodes a raw markdown itself.)
]]
