-- The health block of a service: passive ejection (max_fails, fail_timeout) and
-- the optional active check (health.check). Part of the state schema
-- (validate.lua), kept apart only for size; failures are values like there.
local util = require "graylane.util"

local type = type
local ipairs = ipairs
local fail = util.fail
local check_object = util.check_object
local null = util.null

local _M = {}

local DEFAULT_HEALTH = { max_fails = 3, fail_timeout = 10 }
local HEALTH_KEYS = { max_fails = true, fail_timeout = true, check = true }
local CHECK_KEYS = { path = true, interval = true, timeout = true, healthy = true, unhealthy = true }
-- The check's times: field, fewest and most seconds.
local CHECK_SECONDS = { { "interval", 0.5, 3600 }, { "timeout", 0.05, 60 } }
local DEFAULT_CHECK = { path = "/healthz", interval = 2, timeout = 1, healthy = 2, unhealthy = 2 }

local function check_seconds(v, field, min, max)
    if type(v) ~= "number" or v ~= v or v < min or v > max then
        return fail("invalid_health", field, field .. " must be " .. min .. "-" .. max .. " seconds")
    end
    return true
end

local function check_count(v, field)
    if not util.is_integer(v) or v < 1 or v > 100 then
        return fail("invalid_health", field, field .. " must be an integer 1-100")
    end
    return true
end

-- Active health check of a service: nil when off (absent or null).
local function health_check(c)
    if c == nil or c == null then
        return nil
    end
    local ok, err = check_object(c, CHECK_KEYS, "health.check.", "invalid_health", "health.check",
                                 "health.check must be an object or null")
    if not ok then
        return nil, err
    end
    local d = DEFAULT_CHECK
    local out = { path = d.path, interval = d.interval, timeout = d.timeout,
                  healthy = d.healthy, unhealthy = d.unhealthy }
    if c.path ~= nil then
        local p = c.path
        -- sent as is on the request line: no spaces, no control characters
        if type(p) ~= "string" or #p > 1024 or p:sub(1, 1) ~= "/" or p:find("[%s%c]") then
            return fail("invalid_health", "health.check.path",
                        "health.check.path must be a path starting with / (no spaces, at most 1024 characters)")
        end
        out.path = p
    end
    for _, s in ipairs(CHECK_SECONDS) do
        local k = s[1]
        if c[k] ~= nil then
            ok, err = check_seconds(c[k], "health.check." .. k, s[2], s[3])
            if not ok then
                return nil, err
            end
            out[k] = c[k]
        end
    end
    if out.timeout > out.interval then
        return fail("invalid_health", "health.check.timeout",
                    "health.check.timeout must not exceed health.check.interval")
    end
    for _, k in ipairs({ "healthy", "unhealthy" }) do
        if c[k] ~= nil then
            ok, err = check_count(c[k], "health.check." .. k)
            if not ok then
                return nil, err
            end
            out[k] = c[k]
        end
    end
    return out
end

function _M.health(h)
    local out = { max_fails = DEFAULT_HEALTH.max_fails, fail_timeout = DEFAULT_HEALTH.fail_timeout }
    if h == nil or h == null then
        return out
    end
    local ok, err = check_object(h, HEALTH_KEYS, "health.", "invalid_health", "health",
                                 "health must be an object")
    if not ok then
        return nil, err
    end
    if h.max_fails ~= nil then
        if not util.is_integer(h.max_fails) or h.max_fails < 0 or h.max_fails > 1000 then
            return fail("invalid_health", "health.max_fails", "health.max_fails must be an integer 0-1000 (0 disables ejection)")
        end
        out.max_fails = h.max_fails
    end
    if h.fail_timeout ~= nil then
        local t = h.fail_timeout
        if type(t) ~= "number" or t ~= t or t < 1 or t > 3600 then
            return fail("invalid_health", "health.fail_timeout", "health.fail_timeout must be 1-3600 seconds")
        end
        out.fail_timeout = t
    end
    if h.check ~= nil then
        local c, cerr = health_check(h.check)
        if cerr then
            return nil, cerr
        end
        out.check = c
    end
    return out
end

return _M
