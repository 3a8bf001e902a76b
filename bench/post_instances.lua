-- wrk script: POSTs post_histories.lua's randomised histories as KServe v1 bodies, one
-- student a request ({"instances": [{"grades": [...], "college_code": 165}]}), to
-- /v1/models/cgpa_rnn:predict. Arguments as post_histories.lua's (its mode is ignored).

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local histories = dofile(here .. "histories.lua")

local pool, next_index = {}, 1

local function shape(student)
  local body = '{"instances":[{"grades":[' .. table.concat(student.grades, ",") .. "]"
  if student.college then
    body = body .. ',"college_code":' .. student.college
  end
  return body .. "}]}"
end

function init(args)
  pool = histories.pool(args, "/v1/models/cgpa_rnn:predict", shape)
end

function request()
  local chosen = pool[next_index]
  next_index = next_index % #pool + 1
  return chosen
end

function done(summary, latency, requests)
  histories.done(summary, latency)
end
