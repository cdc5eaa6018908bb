--[[
  Shared helpers for every Faultline function: server time, snapshot
  encoding and the event appender. Assembled into the `faultline` library
  ahead of the numbered files (see src/engine/library.rs).
]]

-- Milliseconds since the epoch from the server clock, so every process agrees
-- on event order. 13 digits survive cjson's 14-digit precision.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local TERMINAL = { completed = true, failed = true, cancelled = true }

-- An integer as text. Numbers handed to redis.call, joined with `..` or
-- encoded by cjson are printed with '%.17g'/'%.14g', whose floating-point
-- path was the largest single cost of these functions; '%d' is not.
local small_ints, last_int, last_text = {}, nil, nil

local function int(n)
  -- Attempts and sequence numbers are small; a call stamps every job of a
  -- batch with the same millisecond: both are answered without formatting.
  -- (Filled on use: `string` is out of reach while the library loads.)
  local text = small_ints[n]
  if text then return text end
  if n ~= last_int then last_int, last_text = n, string.format('%d', n) end
  if type(n) == 'number' and n >= 0 and n < 256 then small_ints[n] = last_text end
  return last_text
end

local function json_string(v)
  if v == nil then return 'null' end
  return cjson.encode(v)
end

-- The snapshot without its result: what a caller needs to answer at once.
-- Written field by field (same JSON as cjson.encode(s), numbers as integers).
local function encode_head(s)
  local parts = {
    '{"job_id":', json_string(s.job_id),
    ',"status":', json_string(s.status),
    ',"content_hash":', json_string(s.content_hash),
    ',"content_type":', json_string(s.content_type),
    ',"metadata":', cjson.encode(s.metadata or {}),
    ',"progress_hint":', json_string(s.progress_hint),
    ',"created_at":', int(s.created_at),
    ',"updated_at":', int(s.updated_at),
    ',"attempt":', int(s.attempt),
    ',"version":', int(s.version),
    ',"cached":', s.cached and 'true' or 'false',
  }
  if s.result_source ~= nil then
    parts[#parts + 1] = ',"result_source":{"job_id":'
    parts[#parts + 1] = json_string(s.result_source.job_id)
    parts[#parts + 1] = ',"event_id":'
    parts[#parts + 1] = json_string(s.result_source.event_id)
    parts[#parts + 1] = '}'
  end
  if s.worker ~= nil then
    parts[#parts + 1] = ',"worker":'
    parts[#parts + 1] = json_string(s.worker)
  end
  if s.error ~= nil then
    parts[#parts + 1] = ',"error":'
    parts[#parts + 1] = json_string(s.error)
  end
  parts[#parts + 1] = '}'
  return table.concat(parts)
end

-- Encodes a snapshot as JSON (`head`: its encode_head, when already made).
-- A job born from the cache by reference (`result_source`) is its head
-- alone: its result stays in the source event. `result` is kept as the worker's raw JSON text and spliced in unparsed:
-- cjson would turn `[]` into `{}` and round numbers to 14 digits, and the
-- wire contract needs both exact. `markdown_json` (the markdown already
-- JSON-encoded) is used as it is. A job born from the cache holds the
-- cache entry's text (`cache_entry`), whose members are the snapshot's tail.
local function encode_snapshot(s, head)
  head = head or encode_head(s)
  if s.cache_entry ~= nil then
    return string.sub(head, 1, -2) .. ',' .. string.sub(s.cache_entry, 2)
  end
  if s.result == nil then return head end
  return string.sub(head, 1, -2) .. ',"result":' .. s.result .. ',"markdown":'
    .. (s.markdown_json or cjson.encode(s.markdown)) .. '}'
end

-- The cache entry is `{"result":<raw>,"markdown":"..."}`, written only by
-- `cache_entry` below (the markdown given JSON-encoded). The markdown string
-- is JSON-escaped, so the last `,"markdown":` in the text is the real key.
local function cache_entry(result, markdown_json)
  return '{"result":' .. result .. ',"markdown":' .. markdown_json .. '}'
end

-- (result JSON, markdown as JSON text) of a cache entry; nil if malformed.
local function split_cache_text(text)
  -- Plain finds up to the last match: the pattern '^.*(),"markdown":' backtracks
  -- across the whole markdown, about half the cost of a cache-hit submission.
  local cut, from = nil, 1
  while true do
    local at = string.find(text, ',"markdown":', from, true)
    if not at then break end
    cut, from = at, at + 1
  end
  if not cut then return nil end
  return string.sub(text, 11, cut - 1), string.sub(text, cut + 12, -2)
end

-- (result JSON, markdown) of a cache entry; nil if malformed.
local function split_cache_entry(text)
  local result, markdown_json = split_cache_text(text)
  if not result then return nil end
  return result, cjson.decode(markdown_json)
end

-- Whether a cache entry's text has the shape `cache_entry` writes. Checked
-- without cutting it: a hit copies the text whole, never in pieces.
local function is_cache_entry(text)
  return string.sub(text, 1, 10) == '{"result":' and string.byte(text, -1) == 125
    and string.find(text, ',"markdown":', 11, true) ~= nil
end

-- Reads a snapshot; nil when the job is unknown or expired. Only the head
-- (everything before the spliced result) is parsed. The splice point is the
-- first `,"result":` whose prefix closes as JSON: the same text inside the
-- metadata (a user's `"result"` key) or inside a string leaves the prefix
-- unbalanced, so it is skipped.
local function load_snapshot(key)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local from = 1
  while true do
    local at = string.find(raw, ',"result":', from, true)
    if not at then return cjson.decode(raw) end
    local ok, s = pcall(cjson.decode, string.sub(raw, 1, at - 1) .. '}')
    if ok then
      s.result, s.markdown = split_cache_entry('{' .. string.sub(raw, at + 1))
      return s
    end
    from = at + 1
  end
end

-- Per-job context of a transition: keys, TTLs and the next sequence number.
-- `seq` numbers continue from the job stream's length, which is never
-- trimmed (it expires as a whole). `now` is shared by every job of a batch
-- call (one TIME); `batch` collects the feed records of a batch call so the
-- shard feed gets one entry per call, not one per job.
local function new_ctx(events_key, feed_key, job_id, events_ttl, feed_retention_ms, now, batch)
  now = now or now_ms()
  return {
    events = events_key, feed = feed_key, job_id = job_id, now = now,
    events_ttl = events_ttl, feed_min = now - tonumber(feed_retention_ms),
    seq = redis.call('XLEN', events_key), batch = batch,
  }
end

-- One feed entry for a call: per job `job, seq, types, attempt` (a batch
-- call repeats the four fields once per job, in order).
local function feed_flush(feed_key, feed_min, records)
  if #records == 0 then return end
  redis.call('XADD', feed_key, 'MINID', '~', int(feed_min), '*', unpack(records))
end

-- Appends already-folded events (seq and ts set by fold_all); the log's
-- TTL is `renew_log`'s. Returns the last event's stream id.
local function write_events(ctx, events)
  local types, ts, id = {}, int(ctx.now), nil
  for _, ev in ipairs(events) do
    local fields = { 'seq', int(ev.seq), 'type', ev.type, 'ts', ts, 'attempt', int(ev.attempt),
      'worker', ev.worker or '', 'data', ev.data_json or cjson.encode(ev.data or {}) }
    if ev.source_job ~= nil then
      table.insert(fields, 'source_job'); table.insert(fields, ev.source_job)
      table.insert(fields, 'source_event'); table.insert(fields, ev.source_event)
    elseif ev.cache_entry ~= nil then
      table.insert(fields, 'cache_entry'); table.insert(fields, ev.cache_entry)
    elseif ev.result ~= nil then
      table.insert(fields, 'result'); table.insert(fields, ev.result)
      if ev.markdown_json ~= nil then
        table.insert(fields, 'markdown_json'); table.insert(fields, ev.markdown_json)
      else
        table.insert(fields, 'markdown'); table.insert(fields, ev.markdown)
      end
    end
    id = redis.call('XADD', ctx.events, '*', unpack(fields))
    types[#types + 1] = ev.type
    ctx.seq = ev.seq
  end
  local record = { 'job', ctx.job_id, 'seq', int(ctx.seq), 'types', table.concat(types, ','),
    'attempt', int(events[#events].attempt) }
  if ctx.batch then
    for _, v in ipairs(record) do ctx.batch[#ctx.batch + 1] = v end
  else
    feed_flush(ctx.feed, ctx.feed_min, record)
  end
  return id
end

-- Gives the job's log its full retention, after the call has written the
-- snapshot: the log must outlive the snapshot (replay, rebuild and `seq`
-- read it), and a relative TTL counts from the moment it is set (Redis 7.0
-- reads its clock afresh for each command of a script), so a log renewed
-- before its snapshot could expire a millisecond or more before it, even
-- with EVENT_RETENTION = JOB_EXPIRATION. Every call that writes events
-- calls it after its snapshot write.
local function renew_log(ctx)
  redis.call('EXPIRE', ctx.events, ctx.events_ttl)
end

-- The fields of a stream entry (`{id, {field, value, ...}}`) as a table.
local function entry_fields(entry)
  local f = {}
  for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
  return f
end

-- The shard prefix (`fl:{tag}:`) of a job's events key (`fl:{tag}:events:<id>`).
-- Keys built on it share the hash tag, so they lie in the call's slot.
local function shard_prefix_of(events_key, job_id)
  return string.sub(events_key, 1, #events_key - #job_id - 7)
end

-- Where a cache hit finds its result: `cache:<hash>` was written by the
-- `completed` event `source_event` of job `source_job`, which the shard's
-- `source:<hash>` key names ("<job id> <stream id>", written with the entry).
-- A hit's event refers to that event instead of copying the result (often
-- tens of KB) into the log a second time (`log` is the source's log, which
-- the hit keeps alive: `keep_source_log`). Nil when the source is unknown
-- or its log is gone: the hit then copies the entry into its event.
local function cache_source(source_key, prefix)
  local text = redis.call('GET', source_key)
  if not text then return nil end
  local job, event = string.match(text, '^(%S+) (%S+)$')
  if not job then return nil end
  local log = prefix .. 'events:' .. job
  if redis.call('EXISTS', log) == 0 then return nil end
  return { job = job, event = event, log = log }
end

-- A job whose result is an event of another job's log (a cache hit by
-- reference) keeps that log at least as long as its own: called after
-- `renew_log`, as a relative TTL counts from when it is set.
local function keep_source_log(log, events_ttl)
  redis.call('EXPIRE', log, events_ttl, 'GT')
end

-- Records that `cache:<hash>` was written by event `event_id` of job
-- `job_id` (the value `cache_source` reads), for as long as the entry lives.
local function set_cache_source(source_key, job_id, event_id, ttl_unit, ttl)
  redis.call('SET', source_key, job_id .. ' ' .. event_id, ttl_unit, ttl)
end

-- How long a snapshot lives after its last transition: JOB_EXPIRATION once
-- the job has ended; until then as long as its log (EVENT_RETENTION, at
-- least JOB_EXPIRATION), so a job waiting in a backlog, or for workers that
-- are down, longer than JOB_EXPIRATION is not lost. The rule `fl_rebuild`
-- and replay apply.
local function snapshot_ttl(s, job_ttl, events_ttl)
  if TERMINAL[s.status] then return job_ttl end
  return events_ttl
end

-- Writes the snapshot, to expire exactly `snapshot_ttl` after its last
-- transition (`updated_at`, the call's clock reading). Snapshots built
-- piecewise (a birth from the cache, a long result) get a relative TTL
-- instead (the service's ACL grants `expire`, not `pexpireat`); either way
-- the log is renewed after them (`renew_log`). Returns the text written.
local function store_snapshot(job_key, s, job_ttl, events_ttl)
  local text = encode_snapshot(s)
  local ttl = snapshot_ttl(s, job_ttl, events_ttl)
  redis.call('SET', job_key, text, 'PXAT', int(s.updated_at + tonumber(ttl) * 1000))
  return text
end

-- Writes the snapshot of a new job born from the cache: the cache entry's
-- text placed after room for the head, then the head written over that room
-- with a comma over the entry's opening brace. The entry (often tens of KB)
-- is copied by Redis into a string of the exact size (APPEND would double
-- it), never concatenated in Lua, where every big string is hashed, interned
-- and left to the collector. SETRANGE sizes a new key exactly, so any value
-- already there (none for a fresh job id) is deleted first, as SET would
-- replace it.
local function store_with_entry(job_key, head, entry, job_ttl)
  local prefix = string.sub(head, 1, -2) .. ','
  redis.call('DEL', job_key)
  redis.call('SETRANGE', job_key, int(#prefix - 1), entry)
  redis.call('SETRANGE', job_key, '0', prefix)
  redis.call('EXPIRE', job_key, job_ttl)
end

-- Writes the concatenation of `pieces` (the last one not empty) as `key`'s
-- value with a TTL in seconds, without concatenating in Lua: the last piece
-- goes first, at its final offset, which sizes the value exactly (APPEND
-- would grow it greedily, up to twice its size); the others are then
-- written in place. Any value already there is deleted first, as SET
-- would replace it.
local function store_pieces(key, pieces, ttl)
  local offsets, total = {}, 0
  for i, piece in ipairs(pieces) do offsets[i], total = total, total + #piece end
  redis.call('DEL', key)
  for i = #pieces, 1, -1 do
    if #pieces[i] > 0 then redis.call('SETRANGE', key, int(offsets[i]), pieces[i]) end
  end
  redis.call('EXPIRE', key, ttl)
end

-- Errors are named strings the Rust side maps to EngineError variants.
local function refuse(code, detail)
  return redis.error_reply(code .. ' ' .. detail)
end
