-- wrk script: POSTs randomised valid student histories to /predict, or (mode "batch") batches
-- of them to /predict/batch, then prints the run's figures as JSON. Arguments: histories.lua.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local histories = dofile(here .. "histories.lua")
-- Distinct batch bodies: each is large, so fewer of them than single-student ones.
local BATCH_POOL_SIZE = 16

histories.serve(function(args)
  if (args[1] or "single") ~= "batch" then
    return histories.pool(args, "/predict", histories.student_json)
  end
  local per_batch = tonumber(args[2] or "1000")
  local max_history, colleges, seed = histories.parse_args(args)
  math.randomseed(seed)
  local pool = {}
  for i = 1, BATCH_POOL_SIZE do
    local students = {}
    for j = 1, per_batch do
      students[j] = histories.student_json(histories.student(max_history, colleges))
    end
    local body = '{"students":[' .. table.concat(students, ",") .. "]}"
    pool[i] = wrk.format("POST", "/predict/batch", histories.HEADERS, body)
  end
  return pool
end)
