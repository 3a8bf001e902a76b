-- wrk script: POSTs histories.lua's randomised histories as KServe v1 bodies, one student a
-- request ({"instances": [{"grades": [...], "college_code": 165}]}), to
-- /v1/models/cgpa_rnn:predict. Arguments: histories.lua's (the mode is ignored).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local histories = dofile(here .. "histories.lua")

histories.serve(function(args)
  return histories.pool(args, "/v1/models/cgpa_rnn:predict", function(student)
    return '{"instances":[' .. histories.student_json(student) .. "]}"
  end)
end)
