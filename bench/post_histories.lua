-- wrk script: POSTs randomised valid student histories, then prints the run's figures as JSON.
--
-- Arguments (after `--`): mode ("single" or "batch"), students per batch request, the model's
-- longest history, a comma-separated list of college codes the model knows, a random seed.
-- A pool of distinct bodies is built once per wrk thread and cycled through, so every request
-- is a different valid history without paying for JSON building inside the timed loop.

local POOL_SIZE = { single = 2000, batch = 16 }
local UNKNOWN_COLLEGE = 999999

local requests_pool = {}
local next_index = 1

local function random_grade()
  return string.format("%.2f", math.random(0, 1000) / 100)
end

local function random_student(max_history, colleges)
  local grades = {}
  for i = 1, math.random(1, max_history) do
    grades[i] = random_grade()
  end
  local body = '{"grades":[' .. table.concat(grades, ",") .. "]"
  local dice = math.random()
  if dice < 0.7 and #colleges > 0 then
    body = body .. ',"college_code":' .. colleges[math.random(1, #colleges)]
  elseif dice < 0.85 then
    body = body .. ',"college_code":' .. UNKNOWN_COLLEGE
  end -- else: no college given
  return body .. "}"
end

function init(args)
  local mode = args[1] or "single"
  local per_batch = tonumber(args[2] or "1000")
  local max_history = tonumber(args[3] or "4")
  local colleges = {}
  for code in string.gmatch(args[4] or "", "[^,]+") do
    colleges[#colleges + 1] = code
  end
  math.randomseed(tonumber(args[5] or "1"))
  local path = mode == "batch" and "/predict/batch" or "/predict"
  local headers = { ["Content-Type"] = "application/json" }
  for i = 1, POOL_SIZE[mode] do
    local body
    if mode == "batch" then
      local students = {}
      for j = 1, per_batch do
        students[j] = random_student(max_history, colleges)
      end
      body = '{"students":[' .. table.concat(students, ",") .. "]}"
    else
      body = random_student(max_history, colleges)
    end
    requests_pool[i] = wrk.format("POST", path, headers, body)
  end
end

function request()
  local chosen = requests_pool[next_index]
  next_index = next_index % #requests_pool + 1
  return chosen
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeout_errors":%d,' ..
    '"status_errors":%d,"latency_p50_us":%d,"latency_p99_us":%d,"latency_max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
