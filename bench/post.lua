-- wrk script: POST a public form with a distinct email per request, as a same-origin browser.
-- Arguments (after --): path, url-encoded fields without email, origin, run tag.
local threads = {}
local counter = 0
statuses = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  path, fields, origin, tag = args[1], args[2], args[3], args[4]
end

function request()
  counter = counter + 1
  local email = string.format("w%d-%d-%s@bench.example.org", id, counter, tag)
  -- Distinct client addresses (the app trusts X-Forwarded-For in the benchmark, as behind nginx).
  local ip = string.format("10.%d.%d.%d", id % 250, math.floor(counter / 250) % 250, counter % 250 + 1)
  local body = fields .. "&email=" .. email
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Origin"] = origin,
    ["Sec-Fetch-Site"] = "same-origin",
    ["X-Forwarded-For"] = ip,
  }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do total[code] = (total[code] or 0) + n end
  end
  for code, n in pairs(total) do io.write(string.format("STATUS %d %d\n", code, n)) end
end
