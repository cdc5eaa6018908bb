--[[
  fold: folds a list of events with the library's own fold and returns the
  snapshot, writing nothing. The property test that holds the Lua and Rust
  folds to the same answers calls it; `fl_rebuild` folds with the same
  `fold` in place.

  KEYS: none
  ARGV: 1 job_id, 2 events JSON [{seq, type, ts, attempt, worker, data, result?, markdown?}]
  Returns: {folded count, snapshot JSON or '', refusal or ''}
]]
local function fold_events(_, argv)
  local s
  local events = cjson.decode(argv[2])
  for i, ev in ipairs(events) do
    local n, err = fold(s, ev, argv[1])
    if err then return { i - 1, s and encode_snapshot(s) or '', err } end
    s = n
  end
  return { #events, s and encode_snapshot(s) or '', '' }
end

redis.register_function { function_name = 'fl_fold', callback = fold_events, flags = { 'no-writes' } }
