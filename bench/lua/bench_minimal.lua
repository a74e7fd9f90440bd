-- The cheapest possible balancer_by_lua: plain round robin over fixed peers,
-- no ngx.ctx, no shared dict, no log phase. The "lua-minimal" variant of
-- bench/gateway.ts uses it to separate what any Lua balancer costs from what
-- Graylane's own code adds.
local ngx_balancer = require "ngx.balancer"

local set_current_peer = ngx_balancer.set_current_peer

local _M = {}

local peers, npeers, cursor = {}, 0, 0

function _M.init(list)
    peers = list
    npeers = #list
end

function _M.balance()
    cursor = cursor % npeers + 1
    local p = peers[cursor]
    local ok, err = set_current_peer(p[1], p[2])
    if not ok then
        ngx.log(ngx.ERR, "bench_minimal: set_current_peer: ", err)
        return ngx.exit(ngx.ERROR)
    end
end

return _M
