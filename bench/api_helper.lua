-- wrk script: POST the API's sign-on helper with a distinct address per request.
-- Arguments (after --): path, token, run tag.
local threads = {}
local counter = 0
statuses = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  path, token, tag = args[1], args[2], args[3]
end

function request()
  counter = counter + 1
  local email = string.format("w%d-%d-%s@bench.example.org", id, counter, tag)
  local body = string.format(
    '{"person":{"given_name":"Bench","family_name":"Signer %d","email_addresses":[{"address":"%s"}],' ..
    '"postal_addresses":[{"country":"Chile"}],"languages_spoken":["es"]},' ..
    '"comments":"","referrer_data":{"source":"bench"},"undersigned:show_name":true,' ..
    '"add_tags":["bench"]}', counter, email)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["OSDI-API-Token"] = token,
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
