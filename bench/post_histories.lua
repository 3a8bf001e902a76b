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
  return histories.batch_pool(args, BATCH_POOL_SIZE, per_batch, histories.student_json)
end)
