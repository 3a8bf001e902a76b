-- Shared by every wrk script here: randomised valid histories, the pool of requests cycled
-- through, and the run's figures as one JSON line at the end.
--
-- Arguments (after wrk's `--`): mode ("single" or "batch": post_histories.lua only), students
-- per batch request, the model's longest history, a comma-separated list of college codes
-- the model knows, a random seed. After the same seed every script posts the same histories
-- in the same order, only shaped differently.

local M = {}
M.POOL_SIZE = 2000
M.UNKNOWN_COLLEGE = 999999

function M.parse_args(args)
  local colleges = {}
  for code in string.gmatch(args[4] or "", "[^,]+") do
    colleges[#colleges + 1] = code
  end
  return tonumber(args[3] or "4"), colleges, tonumber(args[5] or "1")
end

-- One student: {grades = {"7.10", ...} (as JSON text), college = "165" or nil}.
function M.student(max_history, colleges)
  local grades = {}
  for i = 1, math.random(1, max_history) do
    grades[i] = string.format("%.2f", math.random(0, 1000) / 100)
  end
  local college
  local dice = math.random()
  if dice < 0.7 and #colleges > 0 then
    college = colleges[math.random(1, #colleges)]
  elseif dice < 0.85 then
    college = tostring(M.UNKNOWN_COLLEGE)
  end -- else: no college given
  return { grades = grades, college = college }
end

-- The /predict body of one student.
function M.student_json(student)
  local body = '{"grades":[' .. table.concat(student.grades, ",") .. "]"
  if student.college then
    body = body .. ',"college_code":' .. student.college
  end
  return body .. "}"
end

M.HEADERS = { ["Content-Type"] = "application/json" }

-- wrk.format'd requests for POOL_SIZE students, each body made by `shape(student)`.
function M.pool(args, path, shape)
  local max_history, colleges, seed = M.parse_args(args)
  math.randomseed(seed)
  local pool = {}
  for i = 1, M.POOL_SIZE do
    pool[i] = wrk.format("POST", path, M.HEADERS, shape(M.student(max_history, colleges)))
  end
  return pool
end

-- `size` wrk.format'd POST /predict/batch requests of `per_batch` students each, every
-- student's JSON made by `shape(student)`.
function M.batch_pool(args, size, per_batch, shape)
  local max_history, colleges, seed = M.parse_args(args)
  math.randomseed(seed)
  local pool = {}
  for i = 1, size do
    local students = {}
    for j = 1, per_batch do
      students[j] = shape(M.student(max_history, colleges))
    end
    local body = '{"students":[' .. table.concat(students, ",") .. "]}"
    pool[i] = wrk.format("POST", "/predict/batch", M.HEADERS, body)
  end
  return pool
end

function M.done(summary, latency)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeout_errors":%d,' ..
    '"status_errors":%d,"latency_p50_us":%d,"latency_p99_us":%d,"latency_max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.timeout, errors.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end

-- Defines wrk's globals for the calling script: `init` fills the pool with `fill(args)`
-- (a list of wrk.format'd requests), `request` cycles through it, `done` prints the figures.
-- Distinct bodies built once keep JSON building out of the timed loop.
function M.serve(fill)
  local pool, next_index = {}, 1
  function init(args)
    pool = fill(args)
  end
  function request()
    local chosen = pool[next_index]
    next_index = next_index % #pool + 1
    return chosen
  end
  function done(summary, latency, requests)
    M.done(summary, latency)
  end
end

return M
