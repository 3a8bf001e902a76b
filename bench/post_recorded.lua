-- wrk script: post_histories.lua's histories with a `student_id` on every student, so every
-- forecast is recorded (issue #26): mode "single" POSTs /predict, "batch" /predict/batch.
-- Arguments: histories.lua. Ids repeat across the pool, as a real student asks again.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local histories = dofile(here .. "histories.lua")
local BATCH_POOL_SIZE = 16
local counter = 0

local function recorded_json(student)
  counter = counter + 1
  local body = histories.student_json(student)
  return body:sub(1, -2) .. ',"student_id":"S-' .. counter .. '"}'
end

histories.serve(function(args)
  if (args[1] or "single") ~= "batch" then
    return histories.pool(args, "/predict", recorded_json)
  end
  local per_batch = tonumber(args[2] or "1000")
  return histories.batch_pool(args, BATCH_POOL_SIZE, per_batch, recorded_json)
end)
