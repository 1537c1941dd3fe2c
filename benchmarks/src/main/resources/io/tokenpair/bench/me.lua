-- wrk: GET /api/me with one session's access token (TOKENPAIR_BEARER), on every connection.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKENPAIR_BEARER")
dofile(os.getenv("TOKENPAIR_REPORT_LUA"))
