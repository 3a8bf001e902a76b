-- wrk script: POST /predict as post_histories.lua does, each student also asking for the risk
-- of falling below a cut-off and for the explanation of its forecast (issue #16's options).
-- The cut-off is mid-scale for the committed 0-10 model. Arguments: histories.lua's.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local histories = dofile(here .. "histories.lua")
local OPTIONS = ',"risk_below":6.5,"explain":true}'

histories.serve(function(args)
  return histories.pool(args, "/predict", function(student)
    return histories.student_json(student):sub(1, -2) .. OPTIONS
  end)
end)
