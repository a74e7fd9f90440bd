-- Per-node counters. The hot path only touches a per-worker Lua array; a timer
-- adds the deltas to the graylane_stats shared dict every FLUSH seconds.
-- In-flight counts are shared and exact (least_conn and draining need them),
-- so they are incremented/decremented in the dict directly.
local config = require "graylane.config"

local ngx = ngx
local var = ngx.var
local floor = math.floor
local tonumber = tonumber
local pairs = pairs

local STATS = ngx.shared.graylane_stats

local _M = {}

-- counter array layout
local REQ, FAIL, LSUM, LCNT = 1, 7, 8, 9        -- 2..6: status classes 1xx..5xx
local B0 = 10                                  -- histogram buckets B0 .. B0+#BUCKETS
local BUCKETS = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 } -- then +Inf
local NB = #BUCKETS + 1
local NFIELDS = B0 + NB - 1
_M.BUCKETS = BUCKETS
_M.idx = { REQ = REQ, FAIL = FAIL, LSUM = LSUM, LCNT = LCNT, B0 = B0, NB = NB, NFIELDS = NFIELDS }

local registry = {}

-- The counters of one node ("service|addr"); survives cache rebuilds.
function _M.counters(key)
    local c = registry[key]
    if not c then
        c = { dirty = false, key = key }
        for i = 1, NFIELDS do
            c[i] = 0
        end
        registry[key] = c
    end
    return c
end

function _M.flush()
    for key, c in pairs(registry) do
        if c.dirty then
            c.dirty = false
            for i = 1, NFIELDS do
                local d = c[i]
                if d ~= 0 then
                    c[i] = 0
                    local k = "c:" .. key .. ":" .. i
                    local _, err, forcible = STATS:incr(k, d, 0)
                    if err then
                        ngx.log(ngx.ERR, "graylane: stats counter ", k, " lost: ", err)
                    elseif forcible then
                        ngx.log(ngx.WARN, "graylane: graylane_stats is full; old counters were evicted")
                    end
                end
            end
        end
    end
end

-- log_by_lua on the proxy: the final try of a proxied request.
function _M.log()
    local st = ngx.ctx.gl
    if not st then
        return
    end
    local node = st.node
    if not node then
        return
    end
    STATS:incr(node.if_key, -1)
    local c = node.counters
    c[REQ] = c[REQ] + 1
    local cls = floor(ngx.status / 100)
    if cls >= 1 and cls <= 5 then
        c[cls + 1] = c[cls + 1] + 1
    end
    local rt = var.upstream_response_time
    if rt then
        local t = tonumber(rt)
        if not t then
            -- "0.001, 0.004": several tries; the last one is this node's
            t = tonumber(rt:match("([%d.]+)%s*$"))
        end
        if t then
            c[LSUM] = c[LSUM] + t
            c[LCNT] = c[LCNT] + 1
            local b = NB
            for i = 1, NB - 1 do
                if t <= BUCKETS[i] then
                    b = i
                    break
                end
            end
            c[B0 + b - 1] = c[B0 + b - 1] + 1
        end
    end
    c.dirty = true
end

function _M.fail(node)
    local c = node.counters
    c[FAIL] = c[FAIL] + 1
    c.dirty = true
end

-- Reads one node's totals from the dict (after flushing this worker).
function _M.read(key)
    local out = {}
    for i = 1, NFIELDS do
        out[i] = STATS:get("c:" .. key .. ":" .. i) or 0
    end
    out.in_flight = STATS:get("if:" .. key) or 0
    if out.in_flight < 0 then
        out.in_flight = 0
    end
    out.ejected_until = STATS:get("ej:" .. key)
    return out
end

local function register_worker()
    local id = ngx.worker.id()
    if id then
        local ok, err, forcible = STATS:set("w:" .. id, ngx.worker.pid())
        if not ok then
            ngx.log(ngx.ERR, "graylane: cannot register worker ", id, ": ", err)
        elseif forcible then
            ngx.log(ngx.WARN, "graylane: graylane_stats is full; old counters were evicted")
        end
    end
end

function _M.worker_pids()
    local pids = {}
    for i = 0, ngx.worker.count() - 1 do
        pids[#pids + 1] = STATS:get("w:" .. i)
    end
    return pids
end

function _M.init_worker()
    register_worker()
    local ok, err = ngx.timer.every(config.stats_flush, _M.flush)
    if not ok then
        ngx.log(ngx.ERR, "graylane: cannot start the stats timer: ", err)
    end
end

return _M
