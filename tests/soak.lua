-- The hostile mix of tests/soak.sh: good requests among huge and malformed
-- consent values, 100 cookies at once, non-UTF-8 bytes, many Set-Cookie names
-- (a fresh undeclared name each time), repeated headers and forged consent
-- writes. Counts 5xx answers per thread; done() prints the totals.

local consent = "cookie-preferences=%7B%22categories%22%3A%7B%22analytics%22%3Atrue%2C%22functional%22%3Atrue%7D%2C%22revision%22%3A1%7D"

local function many_cookies(n)
  local parts = {}
  for i = 1, n do parts[i] = "c" .. i .. "=v" .. i end
  return table.concat(parts, "; ")
end

local huge = "cookie-preferences=%7B%22categories%22%3A%7B" .. string.rep("%22x%22%3Atrue%2C", 600) .. "%7D%7D"
local nested = "cookie-preferences=" .. string.rep("[", 3000)

local fixed = {
  { "GET", "/", { Cookie = consent .. "; _ga=GA1.1.1" } },
  { "GET", "/demo/consent", { Cookie = huge } },
  { "GET", "/demo/consent", { Cookie = nested } },
  { "GET", "/", { Cookie = "cookie-preferences=%7B%22categories%22%3A%5B1%2C2%5D%7D; theme=\255\254" } },
  { "GET", "/demo/set?name=_ga&name=theme", { Cookie = many_cookies(100) } },
  { "GET", "/", { Cookie = "cookie-preferences=\255\254\253; \255=\254; _clck=\200" } },
  { "GET", "/healthz", { Cookie = consent .. "\r\nCookie: " .. consent .. "\r\nSec-GPC: 1\r\nSec-GPC: 0\r\nCookie: _gid=1" } },
  { "POST", "/consent", { ["Content-Type"] = "application/x-www-form-urlencoded", Origin = "https://evil.example", ["Sec-Fetch-Site"] = "cross-site" }, "action=accept-all" },
  { "POST", "/consent", { ["Content-Type"] = "application/x-www-form-urlencoded" }, "action=save&category=analytics&category=\255" },
  { "GET", "/cookie-policy", { Cookie = "cookie-preferences=" .. string.rep("%", 4000) } },
}

local counter = 0
server_errors = 0
client_errors = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  counter = counter + 1
  local pick = counter % (#fixed + 1)
  if pick == 0 then
    -- Many Set-Cookie names, and a fresh undeclared one each time: the
    -- names warned about are capped, so memory must stay flat.
    local names = {}
    for i = 1, 40 do names[i] = "name=u" .. math.random(1, 1000000000) end
    return wrk.format("GET", "/demo/set?" .. table.concat(names, "&"), { Cookie = consent })
  end
  local r = fixed[pick]
  return wrk.format(r[1], r[2], r[3], r[4])
end

function response(status, headers, body)
  if status >= 500 then
    server_errors = server_errors + 1
  elseif status >= 400 then
    client_errors = client_errors + 1
  end
end

function done(summary, latency, requests)
  local server, client = 0, 0
  for _, thread in ipairs(threads) do
    server = server + thread:get("server_errors")
    client = client + thread:get("client_errors")
  end
  io.write(string.format("soak: %d requests, %d socket errors, %d 5xx, %d 4xx (the forged consent writes, refused)\n",
    summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    server, client))
end
