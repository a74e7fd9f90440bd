-- Passive health: a node that fails max_fails times within fail_timeout seconds
-- is ejected for fail_timeout seconds. Ejections are shared by all workers
-- (graylane_stats "ej:<service>|<addr>") and bump the state version so every
-- worker picks them up on its next request.
local stats = require "graylane.stats"

local ngx = ngx
local ngx_now = ngx.now

local STATS = ngx.shared.graylane_stats
local STATE = ngx.shared.graylane_state

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
    local ok, serr, forcible = STATS:set(node.ej_key, untl, h.fail_timeout)
    if not ok then
        ngx.log(ngx.ERR, "graylane: cannot eject ", node.key, ": ", serr)
        return
    end
    if forcible then
        ngx.log(ngx.WARN, "graylane: graylane_stats is full; old counters were evicted")
    end
    STATS:delete(node.fl_key)
    STATE:incr("ver", 1, 0)
    ngx.log(ngx.WARN, "graylane: node ", node.addr, " of service ", svc.name, " failed ", n,
            " times; ejected for ", h.fail_timeout, "s")
end

return _M
