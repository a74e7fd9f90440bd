-- Passive health: a node that fails max_fails times within fail_timeout seconds
-- is ejected for fail_timeout seconds. Ejections are shared by all workers
-- (graylane_stats "ej:<service>|<addr>") and bump the state version so every
-- worker picks them up on its next request.
--
-- Active health (healthcheck.lua probes, one worker at a time) keeps each
-- node's result in "hc:<service>|<addr>" = "<state>\t<successes in a row>\t
-- <failures in a row>\t<checked at>\t<last error>"; a move into or out of
-- "unhealthy" bumps the version too, and the cache turns an unhealthy node
-- into an ejected one, so the balancer has one way to skip a node.
local stats = require "graylane.stats"
local dict_write = require("graylane.util").dict_write
local signal = require "graylane.signal"

local ngx = ngx
local ngx_now = ngx.now
local tonumber = tonumber

local STATS = ngx.shared.graylane_stats

local _M = {}

function _M.failed(svc, node)
    stats.fail(node)
    local h = svc.health
    if h.max_fails == 0 then
        return
    end
    local n, err = STATS:incr(node.fl_key, 1, 0, h.fail_timeout)
    if not n then
        ngx.log(ngx.ERR, "graylane: cannot count a failure of ", node.key, ": ", err)
        return
    end
    if n < h.max_fails then
        return
    end
    local untl = ngx_now() + h.fail_timeout
    if not dict_write(STATS, "set", node.ej_key, untl, h.fail_timeout) then
        return
    end
    STATS:delete(node.fl_key)
    signal.bump()
    ngx.log(ngx.WARN, "graylane: node ", node.addr, " of service ", svc.name, " failed ", n,
            " times; ejected for ", h.fail_timeout, "s")
end

local UNKNOWN = "unknown"

-- The active check record of a node key ("service|addr"):
-- state ("healthy" | "unhealthy" | "unknown"), successes and failures in a
-- row, time of the last probe (nil before the first), last error (nil if none).
function _M.active(key)
    local v = STATS:get("hc:" .. key)
    if not v then
        return UNKNOWN, 0, 0, nil, nil
    end
    local state, oks, fails, at, err = v:match("^(%a+)\t(%d+)\t(%d+)\t([%d.]+)\t(.*)$")
    if not state then
        return UNKNOWN, 0, 0, nil, nil
    end
    return state, tonumber(oks), tonumber(fails), tonumber(at), err ~= "" and err or nil
end

function _M.unhealthy(hc_key)
    local v = STATS:get(hc_key)
    return v ~= nil and v:sub(1, 10) == "unhealthy\t"
end

return _M
