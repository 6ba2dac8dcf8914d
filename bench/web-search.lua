-- wrk script for bench/web.sh: public searches (POST /en/search) with a valid form token,
-- cycling through the prepared queries. Each request comes "through" the trusted loopback
-- proxy from a random 10.x.y.z client, so the per-client rate limits are exercised but do not
-- throttle the benchmark as a whole (which is one client to the server otherwise).
local token = "0123456789abcdef0123456789abcdef"
local bodies = {}
local f = assert(io.open(os.getenv("ATHAR_BENCH_QUERIES"), "r"))
for line in f:lines() do
  bodies[#bodies + 1] = "csrf=" .. token .. "&" .. line
end
f:close()
local counter = 0

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
  counter = math.random(1, #bodies)
end

function request()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format("POST", "/en/search", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "athar_csrf=" .. token,
    ["X-Forwarded-For"] = ip,
  }, body)
end
