-- AssembleContext over Connect (binary protobuf over HTTP/1.1, as the Node client sends
-- it) driven by wrk, a load generator written in C: beside the Node client it shows how
-- much of the tail is the client's. Each request carries a different query. Answers by
-- degradation level are counted by the server, so nothing here reads the bodies (a
-- response() callback would cost wrk more than the server's answer does); a status
-- other than 200 is counted by wrk as an error. Environment: ENGRAM_TOKEN, ENGRAM_AGENT.
-- Prints one JSON line at the end.

local subjects = { "The user", "The team", "The client", "The user's manager", "The user's sister" }
local verbs = { "prefers", "uses", "dislikes", "mentioned", "is planning", "asked about", "works on" }
local things = {
  "window seats", "dark mode", "the billing service", "Rust", "weekly reports", "oat milk",
  "a trip to Lisbon", "the quarterly budget", "jazz records", "the mobile app", "remote work",
}

local token = os.getenv("ENGRAM_TOKEN")
local agent = os.getenv("ENGRAM_AGENT")
local n = 0

wrk.method = "POST"
wrk.path = "/ibex.context.v1.ContextAssemblyService/AssembleContext"
wrk.headers["Content-Type"] = "application/proto"
wrk.headers["Connect-Protocol-Version"] = "1"
wrk.headers["Authorization"] = "Bearer " .. token

local function varint(x)
  local out = {}
  while x >= 128 do
    out[#out + 1] = string.char(x % 128 + 128)
    x = math.floor(x / 128)
  end
  out[#out + 1] = string.char(x)
  return table.concat(out)
end

-- A length-delimited protobuf field (wire type 2): strings and sub-messages.
local function field(number, bytes)
  return string.char(number * 8 + 2) .. varint(#bytes) .. bytes
end

function request()
  n = n + 1
  local q = subjects[n % #subjects + 1] .. " " .. verbs[math.floor(n / 5) % #verbs + 1] .. " "
    .. things[math.floor(n / 35) % #things + 1] .. " (" .. n .. ")"
  -- AssembleContextRequest: agent_id 1, session_id 3, query 4, model 5, recent_messages 8.
  local body = field(1, agent) .. field(3, "wrk-" .. (n % 200)) .. field(4, q) .. field(5, "gpt-4o")
    .. field(8, field(1, "user") .. field(2, q))
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.1f,"errors":%d,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
