-- The cheapest possible balancer_by_lua: plain round robin over fixed peers,
-- no ngx.ctx, no shared dict, no log phase. The "lua-minimal" variant of
-- bench/gateway.ts uses it to separate what any Lua balancer costs from what
-- Graylane's own code adds.
--
-- balance_stats() + log(): the "lua-stats" variant of bench/callgrind.ts, the
-- least a balancer with per-node stats does: the picked peer and the start
-- time kept per request (tables keyed by the request's address, no ngx.ctx),
-- and in the log phase the status class and the latency counted per peer.
local ngx_balancer = require "ngx.balancer"
local base = require "resty.core.base"
local ffi = require "ffi"
require "resty.core.misc" -- declares ngx_http_lua_ffi_get_resp_status

local set_current_peer = ngx_balancer.set_current_peer
local get_request = base.get_request
local get_resp_status = ffi.C.ngx_http_lua_ffi_get_resp_status
local ngx_now = ngx.now
local floor = math.floor
local tonumber = tonumber
local ffi_cast = ffi.cast
local UINTPTR = ffi.typeof("uintptr_t")

local _M = {}

local peers, npeers, cursor = {}, 0, 0

function _M.init(list)
    peers = list
    npeers = #list
    for i = 1, npeers do
        -- status classes 1..5, latency sum, count
        list[i].counts = { 0, 0, 0, 0, 0, 0, 0 }
    end
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

local picked, started = {}, {}

function _M.balance_stats()
    _M.balance()
    local key = tonumber(ffi_cast(UINTPTR, get_request()))
    picked[key] = peers[cursor]
    started[key] = ngx_now()
end

function _M.log()
    local r = get_request()
    local key = tonumber(ffi_cast(UINTPTR, r))
    local p = picked[key]
    if not p then
        return
    end
    local c = p.counts
    local cls = floor(get_resp_status(r) / 100)
    if cls >= 1 and cls <= 5 then
        c[cls] = c[cls] + 1
    end
    c[6] = c[6] + (ngx_now() - started[key])
    c[7] = c[7] + 1
    picked[key] = nil
    started[key] = nil
end

return _M
