-- wrk script: POSTs histories.lua's randomised histories as Open Inference Protocol v2
-- bodies, one student a request (grades FP32 [1, history], college_code INT64 [1] when given),
-- to /v2/models/cgpa_rnn/infer. Arguments: histories.lua's (the mode is ignored).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local histories = dofile(here .. "histories.lua")

local function shape(student)
  local body = '{"inputs":[{"name":"grades","shape":[1,' .. #student.grades ..
    '],"datatype":"FP32","data":[' .. table.concat(student.grades, ",") .. "]}"
  if student.college then
    body = body .. ',{"name":"college_code","shape":[1],"datatype":"INT64","data":[' ..
      student.college .. "]}"
  end
  return body .. "]}"
end

histories.serve(function(args)
  return histories.pool(args, "/v2/models/cgpa_rnn/infer", shape)
end)
