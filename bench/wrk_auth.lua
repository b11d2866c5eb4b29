-- wrk script for bench/load.sh: authenticated requests spread over many players.
--
--   wrk -t2 -c32 -d20s -s wrk_auth.lua http://127.0.0.1:PORT -- TOKENS_FILE METHOD PATH [JSON_BODY]
--
-- TOKENS_FILE holds one bearer token per line. Every request picks a random token,
-- so concurrent requests spread over players as real traffic would. Requests are
-- pre-formatted in init() so the per-request Lua cost is one table lookup.
-- done() prints one machine-readable "WRK_RESULT key=value ..." line.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("thread_id", counter)
   table.insert(threads, thread)
end

local reqs = {}

function init(args)
   local file, method, path, body = args[1], args[2] or "GET", args[3] or "/", args[4]
   if file == nil then error("usage: -- TOKENS_FILE METHOD PATH [BODY]") end
   for line in io.lines(file) do
      if #line > 0 then
         local h = { ["Authorization"] = "Bearer " .. line }
         if body ~= nil and #body > 0 then
            h["Content-Type"] = "application/json"
         else
            body = nil
         end
         table.insert(reqs, wrk.format(method, path, h, body))
      end
   end
   if #reqs == 0 then error("no tokens in " .. file) end
   math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
end

function request()
   return reqs[math.random(#reqs)]
end

function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "WRK_RESULT requests=%d duration_s=%.3f rps=%.2f mean_ms=%.3f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f status_ge400=%d err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      e.status, e.connect, e.read, e.write, e.timeout))
end
