-- wrk: POST /auth/refresh in a loop, one session per wrk thread (run with -t C -c C), each thread
-- sending its session's current rt cookie and keeping the rotated one from every answer. A stale
-- cookie would count as reuse: the server would revoke the session and answer 401 from then on,
-- which wrk reports as status errors.
local rts = {}
for line in io.lines(os.getenv("TOKENPAIR_RT_FILE")) do
  if line ~= "" then table.insert(rts, line) end
end
local next_session = 0

function setup(thread)
  next_session = next_session + 1
  thread:set("rt", rts[next_session])
end

function request()
  return wrk.format("POST", "/auth/refresh", { ["Cookie"] = "rt=" .. rt }, "")
end

function response(status, headers, body)
  if status ~= 200 then return end
  for name, value in pairs(headers) do
    if string.lower(name) == "set-cookie" then
      local token = string.match(value, "^rt=([^;]*)")
      if token and token ~= "" then rt = token end
    end
  end
end

dofile(os.getenv("TOKENPAIR_REPORT_LUA"))
