-- AssembleContext over Connect (JSON over HTTP/1.1) driven by wrk, a load generator
-- written in C: beside the Node client it shows how much of the tail is the client's.
-- Each request carries a different query. Environment: ENGRAM_TOKEN, ENGRAM_AGENT.
-- Prints one JSON line at the end.

local subjects = { "The user", "The team", "The client", "The user's manager", "The user's sister" }
local verbs = { "prefers", "uses", "dislikes", "mentioned", "is planning", "asked about", "works on" }
local things = {
  "window seats", "dark mode", "the billing service", "Rust", "weekly reports", "oat milk",
  "a trip to Lisbon", "the quarterly budget", "jazz records", "the mobile app", "remote work",
}

local token = os.getenv("ENGRAM_TOKEN")
local agent = os.getenv("ENGRAM_AGENT")
local threads = {}
local n = 0
degraded = 0 -- globals: done() reads them per thread with thread:get
answered = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function request()
  n = n + 1
  local q = subjects[n % #subjects + 1] .. " " .. verbs[math.floor(n / 5) % #verbs + 1] .. " "
    .. things[math.floor(n / 35) % #things + 1] .. " (" .. n .. ")"
  local body = string.format(
    '{"agentId":"%s","sessionId":"wrk-%d","query":"%s","model":"gpt-4o","recentMessages":[{"role":"user","content":"%s"}]}',
    agent, n % 200, q, q)
  return wrk.format(nil, "/ibex.context.v1.ContextAssemblyService/AssembleContext", nil, body)
end

-- Connect JSON leaves out fields at their default: degradationLevel appears only when > 0.
function response(status, headers, body)
  if status == 200 then
    answered = answered + 1
    if string.find(body, '"degradationLevel"', 1, true) then degraded = degraded + 1 end
  end
end

function done(summary, latency, requests)
  local d, a = 0, 0
  for _, t in ipairs(threads) do
    d = d + t:get("degraded")
    a = a + t:get("answered")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.1f,"answered":%d,"degraded":%d,"errors":%d,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}\n',
    summary.requests, summary.duration / 1e6, a, d, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
