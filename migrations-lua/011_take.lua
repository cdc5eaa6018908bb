--[[
  take: a worker starts a whole read of one shard in one call: every entry
  is started exactly as `fl_start` would (same events, same fencing), and
  the shard feed gets one entry for the call. Without entry ids it reads
  the entries itself (XREADGROUP, never blocking: they are owned by this
  consumer by construction); with ids (delivered by a blocking read a
  moment ago) it checks each is still this consumer's, as `fl_start` does.

  KEYS: 1 work stream, 2 feed, 3 in-flight hash, 4 dead-letter stream
  ARGV: 1 group, 2 consumer, 3 count, 4 max_attempts, 5 job_ttl s,
        6 events_ttl s, 7 feed retention ms, 8 first progress hint ('' for none),
        9 job key prefix (`job:{tag}:`), 10 shard key prefix (`fl:{tag}:`),
        11 ARTIFACTS_BY_CALLER (optional: see `fl_start`),
        then entry id, job id, content hash triples (none: read up to `count`)
  Returns: flat rows of 9: entry id, job id, content hash, then the
           `fl_start` row padded to 6 ({'run', attempt, content, content_type,
           metadata, created_at} | {'skip', reason} | {'dead', attempt}
           | {'refused', 'CODE detail'})
  Events: per entry as `fl_start`
]]
local function take(keys, argv)
  local group, consumer = argv[1], argv[2]
  local entries = {}
  -- The marker cannot be mistaken for an entry id (those are `ms-seq`).
  local by_caller = argv[11] == ARTIFACTS_BY_CALLER
  local first = by_caller and 12 or 11
  if #argv >= first then
    for i = first, #argv, 3 do
      entries[#entries + 1] = { argv[i], argv[i + 1], argv[i + 2] }
    end
  else
    local read = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', argv[3], 'STREAMS', keys[1], '>')
    if not read then return {} end
    for _, e in ipairs(read[1][2]) do
      local f = entry_fields(e)
      entries[#entries + 1] = { e[1], f.job or '', f.hash or '', owned = true }
    end
  end
  local now, batch, rows = now_ms(), {}, {}
  local o = { consumer = consumer, group = group, max_attempts = argv[4], job_ttl = argv[5],
    events_ttl = argv[6], retention = argv[7], hint = argv[8], by_caller = by_caller, now = now, batch = batch }
  for _, e in ipairs(entries) do
    local entry_id, job_id, hash = e[1], e[2], e[3]
    local row, err
    if job_id == '' or hash == '' then
      -- Not written by fl_submit: it can never run, so it leaves the pending list.
      redis.call('XADD', keys[4], '*', 'entry', entry_id, 'error', 'malformed work entry')
      drop_entry(keys[1], group, entry_id)
      row = { 'skip', 'malformed' }
    elseif not e.owned and #redis.call('XPENDING', keys[1], group, entry_id, entry_id, 1, consumer) == 0 then
      row = { 'refused', 'NOT_OWNER job=' .. job_id .. ' entry=' .. entry_id }
    else
      o.job_id, o.entry_id, o.hash = job_id, entry_id, hash
      row, err = start_entry(
        { job = argv[9] .. job_id, events = argv[10] .. 'events:' .. job_id,
          artifact = argv[10] .. 'artifact:' .. hash, work = keys[1], feed = keys[2],
          inflight = keys[3], dead = keys[4] }, o)
      if not row then row = { 'refused', err } end
    end
    rows[#rows + 1] = entry_id
    rows[#rows + 1] = job_id
    rows[#rows + 1] = hash
    for i = 1, 6 do rows[#rows + 1] = row[i] or '' end
  end
  feed_flush(keys[2], now - tonumber(argv[7]), batch)
  return rows
end

redis.register_function('fl_take', take)
