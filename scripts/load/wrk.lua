-- wrk script for scripts/load.sh. MODE (environment) picks the request:
--   get     GET /jobs/$JOB_ID
--   hit     POST /artifacts/analyze with content already analysed (a cache hit)
--   unique  POST /artifacts/analyze with content no request has sent before
-- done() prints one machine-readable line for load.sh.
local mode = os.getenv("MODE") or "get"
local job_id = os.getenv("JOB_ID") or ""
local hit_content = os.getenv("HIT_CONTENT") or ""
local headers = { ["Content-Type"] = "application/json" }
-- `thread_tag` is a global each thread gets from setup().
local counter = 0
local threads = {}

local function analyze_body(content)
  return '{"content":' .. string.format("%q", content):gsub("\\\n", "\\n") .. ',"content_type":"openapi-yaml"}'
end

local function spec(title)
  return "openapi: 3.0.3\ninfo:\n  title: " .. title .. "\n  version: '1'\npaths:\n  /users:\n    get:\n      responses:\n        '200':\n          description: ok\n"
end

function setup(thread)
  thread:set("thread_tag", tostring(#threads) .. "-" .. tostring(os.time()))
  table.insert(threads, thread)
end

function init(args)
  hit_body = analyze_body(spec(hit_content))
end

function request()
  if mode == "get" then
    return wrk.format("GET", "/jobs/" .. job_id)
  elseif mode == "hit" then
    return wrk.format("POST", "/artifacts/analyze", headers, hit_body)
  end
  counter = counter + 1
  return wrk.format("POST", "/artifacts/analyze", headers,
    analyze_body(spec("load " .. thread_tag .. " " .. counter)))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f requests=%d socket_errors=%d non_2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status))
end
