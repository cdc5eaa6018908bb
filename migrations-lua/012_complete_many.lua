--[[
  complete_many: the completions of one shard that finished together, in
  one call. Each job is recorded exactly as `fl_complete` would (its own
  events, snapshot, cache entry; refused on its own without touching the
  others); the shard feed gets one entry, and the acknowledged work entries
  one XACK and one XDEL.

  KEYS: 1 work stream, 2 feed, 3 in-flight hash
  ARGV: 1 group, 2 job_ttl s, 3 cache_ttl s, 4 events_ttl s,
        5 feed retention ms, 6 job key prefix (`job:{tag}:`),
        7 shard key prefix (`fl:{tag}:`), 8 cache key prefix (`cache:{tag}:`),
        9.. per job 8 values: job_id, attempt, consumer, entry id, content
        hash, hints JSON, result JSON, markdown as a JSON string
  Returns: per job, in order: 'OK' or the refusal ('CODE detail')
  Events: per job as `fl_complete`
]]
local function complete_many(keys, argv)
  local now, batch, replies, acks = now_ms(), {}, {}, {}
  local base = { job_ttl = argv[2], cache_ttl = argv[3], events_ttl = argv[4], retention = argv[5],
    now = now, batch = batch }
  for i = 9, #argv, 8 do
    local job_id, hash = argv[i], argv[i + 4]
    base.job_id, base.attempt, base.consumer = job_id, argv[i + 1], argv[i + 2]
    base.hints, base.result, base.markdown_json = argv[i + 5], argv[i + 6], argv[i + 7]
    local ok, err, ack = complete_entry(
      { job = argv[6] .. job_id, events = argv[7] .. 'events:' .. job_id, cache = argv[8] .. hash,
        source = argv[7] .. 'source:' .. hash, inflight = keys[3], feed = keys[2] }, base)
    if ack then acks[#acks + 1] = argv[i + 3] end
    replies[#replies + 1] = ok and 'OK' or err
  end
  if #acks > 0 then
    redis.call('XACK', keys[1], argv[1], unpack(acks))
    redis.call('XDEL', keys[1], unpack(acks))
  end
  feed_flush(keys[2], now - tonumber(argv[5]), batch)
  return replies
end

redis.register_function('fl_complete_many', complete_many)
