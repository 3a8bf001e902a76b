-- wrk script for the heavy-load scenario (issue #25): every request is a 1000-student
-- POST /predict/batch in which each student asks for a risk and an explanation, the costliest
-- valid request there is. Counts answers by status, and the 503s that lack Retry-After.
-- Arguments: histories.lua's (mode is ignored).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local histories = dofile(here .. "histories.lua")
local OPTIONS = ',"risk_below":6.5,"explain":true}'
local POOL_SIZE = 8

histories.serve(function(args)
  local per_batch = tonumber(args[2] or "1000")
  return histories.batch_pool(args, POOL_SIZE, per_batch, function(student)
    return histories.student_json(student):sub(1, -2) .. OPTIONS
  end)
end)

-- Per-thread counters; `done` (run apart from the threads) adds them up.
local threads = {}
ok, refused, refused_without_retry, other = 0, 0, 0, 0

function setup(thread)
  threads[#threads + 1] = thread
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 503 then
    refused = refused + 1
    if headers["Retry-After"] == nil and headers["retry-after"] == nil then
      refused_without_retry = refused_without_retry + 1
    end
  else
    other = other + 1
  end
end

local plain_done = done
function done(summary, latency, requests)
  local counts = { ok = 0, refused = 0, refused_without_retry = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(counts) do
      counts[name] = counts[name] + (thread:get(name) or 0)
    end
  end
  io.write(string.format(
    'HEAVY_JSON {"ok":%d,"refused":%d,"refused_without_retry":%d,"other":%d}\n',
    counts.ok, counts.refused, counts.refused_without_retry, counts.other))
  plain_done(summary, latency, requests)
end
