-- wrk script: POSTs post_histories.lua's randomised histories as Open Inference Protocol v2
-- bodies, one student a request (grades FP32 [1, history], college_code INT64 [1] when given),
-- to /v2/models/cgpa_rnn/infer. Arguments as post_histories.lua's (its mode is ignored).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local histories = dofile(here .. "histories.lua")

local pool, next_index = {}, 1

local function shape(student)
  local body = '{"inputs":[{"name":"grades","shape":[1,' .. #student.grades ..
    '],"datatype":"FP32","data":[' .. table.concat(student.grades, ",") .. "]}"
  if student.college then
    body = body .. ',{"name":"college_code","shape":[1],"datatype":"INT64","data":[' ..
      student.college .. "]}"
  end
  return body .. "]}"
end

function init(args)
  pool = histories.pool(args, "/v2/models/cgpa_rnn/infer", shape)
end

function request()
  local chosen = pool[next_index]
  next_index = next_index % #pool + 1
  return chosen
end

function done(summary, latency, requests)
  histories.done(summary, latency)
end
