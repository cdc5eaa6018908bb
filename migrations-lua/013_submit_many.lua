--[[
  submit_many: the submissions of one shard that arrived together, in one
  call. Each is handled exactly as by `fl_submit` (cache hit, single flight,
  or a queued job), in arrival order, so identical content in one batch
  attaches to the first; the shard feed gets one entry for the call.

  KEYS: 1 work stream, 2 feed, 3 in-flight hash, 4 job index
  ARGV: 1 job_ttl s, 2 events_ttl s, 3 feed retention ms,
        4 job key prefix (`job:{tag}:`), 5 shard key prefix (`fl:{tag}:`),
        6 cache key prefix (`cache:{tag}:`),
        7.. per submission 6 values: job_id, content_hash, content_type,
        metadata JSON object, content ('' when written by the caller, as
        for `fl_submit`), flags (as `fl_submit`'s: 'replace=<id>', 'unsent')
  Returns: flat rows of 3 per submission: the `fl_submit` row
           ({'cached'|'queued', job_id, head} | {'attached', job_id, ''}
           | {'need_artifact', job_id, ''}) or {'refused', job_id, 'CODE detail'}
  Events: per submission as `fl_submit`
]]
local function submit_many(keys, argv)
  local now, batch, rows = now_ms(), {}, {}
  local o = { job_ttl = argv[1], events_ttl = argv[2], retention = argv[3], now = now, batch = batch,
    hits = {} }
  for i = 7, #argv, 6 do
    local job_id, hash = argv[i], argv[i + 1]
    o.job_id, o.hash, o.content_type, o.metadata = job_id, hash, argv[i + 2], argv[i + 3]
    o.content, o.flags = argv[i + 4], argv[i + 5]
    local row, err = submit_entry(
      { job = argv[4] .. job_id, events = argv[5] .. 'events:' .. job_id, cache = argv[6] .. hash,
        source = argv[5] .. 'source:' .. hash, inflight = keys[3], artifact = argv[5] .. 'artifact:' .. hash,
        work = keys[1], feed = keys[2], index = keys[4] }, o)
    if not row then row = { 'refused', job_id, err } end
    for j = 1, 3 do rows[#rows + 1] = row[j] end
  end
  feed_flush(keys[2], now - tonumber(argv[3]), batch)
  return rows
end

redis.register_function('fl_submit_many', submit_many)
