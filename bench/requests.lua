-- wrk script for bench.feed: replays a file of prepared requests so that consecutive
-- requests come from different users, and prints a machine-readable summary.
--
--   wrk -t1 -c8 -d15s --latency -s bench/requests.lua http://127.0.0.1:PORT -- FILE [PAUSE_MS]
--
-- Each line of FILE is METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY (BODY may be empty). PAUSE_MS, when
-- given, is the mean think time each connection waits between a response and its next
-- request (uniform in 0..2*PAUSE_MS, not counted in the latency): steady load below
-- saturation.

local threads = {}
local thread_count = 0

function setup(thread)
  -- Each thread starts at a different line so threads do not move in lockstep.
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local prepared = {}
local position = 0
local pause = 0

function init(args)
  local path = args[1]
  pause = tonumber(args[2] or "0") or 0
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    local method, target, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
    if method and method ~= "" then
      local headers = { ["Accept"] = "application/json" }
      if token ~= "" then
        headers["Authorization"] = "Bearer " .. token
      end
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      table.insert(prepared, wrk.format(method, target, headers, body))
    end
  end
  file:close()
  assert(#prepared > 0, "no requests in " .. path)
  position = (thread_index or 0) * 7919 % #prepared
end

function delay()
  -- Uniform between 0 and twice the pause: connections that paused alike would fire
  -- together and measure bursts, not steady load.
  if pause <= 0 then
    return 0
  end
  return math.random(0, 2 * pause)
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
