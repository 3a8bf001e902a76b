-- wrk script: POST /predict as post_histories.lua does, each student also asking for the risk
-- of falling below a cut-off and for the explanation of its forecast (issue #16's options).
-- The cut-off is mid-scale for the committed 0-10 model.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local histories = dofile(here .. "histories.lua")
local CUTOFF = "6.5"
local pool, next_index = {}, 1

local function body(student)
  local text = '{"grades":[' .. table.concat(student.grades, ",") .. "]"
  if student.college then
    text = text .. ',"college_code":' .. student.college
  end
  return text .. ',"risk_below":' .. CUTOFF .. ',"explain":true}'
end

function init(args)
  pool = histories.pool(args, "/predict", body)
end

function request()
  local chosen = pool[next_index]
  next_index = next_index % #pool + 1
  return chosen
end

function done(summary, latency, requests)
  histories.done(summary, latency)
end
