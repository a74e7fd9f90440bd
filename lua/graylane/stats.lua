-- Per-node counters. The hot path only touches a per-worker Lua array; a timer
-- adds the deltas to the graylane_stats shared dict every config.stats_flush
-- seconds.
--
-- In flight: least_conn balances on counts shared by all workers, so its
-- requests are counted in the dict ("if:<service>|<addr>") as they start and
-- end. Other requests are counted per worker, and the timer publishes each
-- worker's non-zero counts as one blob "ifw:<gen>:<worker id>" (3 s ttl,
-- refreshed while non-zero). <gen> alternates on every start/reload, so the
-- old workers of a reload, which keep their ids while they drain, do not
-- overwrite the new ones. Reported in flight = shared + all published blobs.
local config = require "graylane.config"
local dict_write = require("graylane.util").dict_write
local ffi = require "ffi"
require "resty.core.misc" -- declares ngx_http_lua_ffi_get_resp_status

local ngx = ngx
local ngx_now = ngx.now
local floor = math.floor
local tonumber = tonumber
local pairs = pairs
-- what ngx.status reads, without the ngx table's __index getter in between
local get_resp_status = ffi.C.ngx_http_lua_ffi_get_resp_status

local STATS = ngx.shared.graylane_stats

local _M = {}

-- counter array layout
local REQ, FAIL, LSUM, LCNT = 1, 7, 8, 9        -- 2..6: status classes 1xx..5xx
local B0 = 10                                  -- histogram buckets B0 .. B0+#BUCKETS
local BUCKETS = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 } -- then +Inf
local NB = #BUCKETS + 1
local NFIELDS = B0 + NB - 1
local MAX_WORKER_ID = 63
_M.BUCKETS = BUCKETS
_M.idx = { REQ = REQ, FAIL = FAIL, LSUM = LSUM, LCNT = LCNT, B0 = B0, NB = NB, NFIELDS = NFIELDS }

local registry = {}

-- The counters of one node ("service|addr"); survives cache rebuilds.
function _M.counters(key)
    local c = registry[key]
    if not c then
        c = { dirty = false, key = key, inflight = 0 }
        for i = 1, NFIELDS do
            c[i] = 0
        end
        registry[key] = c
    end
    return c
end

local IFW_TTL = 3
local published = ""

local function publish_inflight()
    local parts, n = {}, 0
    for key, c in pairs(registry) do
        local v = c.inflight
        if v ~= 0 then
            n = n + 1
            parts[n] = key .. "\t" .. v
        end
    end
    local blob = table.concat(parts, "\n")
    local slot = "ifw:" .. config.gen .. ":" .. ngx.worker.id()
    if blob == "" then
        if published ~= "" then
            STATS:delete(slot)
        end
    else
        -- re-set while non-zero: the ttl drops the counts of a worker that died
        dict_write(STATS, "set", slot, blob, IFW_TTL)
    end
    published = blob
end

-- Request start/end on a node. `shared` (least_conn) counts in the dict.
function _M.begin(node, shared)
    if shared then
        STATS:incr(node.if_key, 1, 0)
    else
        local c = node.counters
        c.inflight = c.inflight + 1
    end
end

function _M.finish(node, shared)
    if shared then
        STATS:incr(node.if_key, -1)
    else
        local c = node.counters
        if c.inflight > 0 then
            c.inflight = c.inflight - 1
        end
    end
end

function _M.flush(premature)
    publish_inflight()
    for key, c in pairs(registry) do
        if c.dirty then
            c.dirty = false
            for i = 1, NFIELDS do
                local d = c[i]
                if d ~= 0 then
                    c[i] = 0
                    local k = "c:" .. key .. ":" .. i
                    dict_write(STATS, "incr", k, d, 0)
                end
            end
        end
    end
end

-- The histogram bucket of a latency (index into BUCKETS; NB for +Inf), by
-- comparisons instead of a loop: a loop in the log phase's trace costs a side
-- trace and its exits on every request.
local function bucket_of(t)
    if t <= 0.1 then
        if t <= 0.01 then
            return t <= 0.005 and 1 or 2
        end
        if t <= 0.025 then
            return 3
        end
        return t <= 0.05 and 4 or 5
    end
    if t <= 1 then
        if t <= 0.25 then
            return 6
        end
        return t <= 0.5 and 7 or 8
    end
    if t <= 2.5 then
        return 9
    end
    if t <= 5 then
        return 10
    end
    return t <= 10 and 11 or 12
end
_M.bucket_of = bucket_of

-- The final try of a proxied request `r` ended (log phase): count its status
-- and the time since the node was picked (t0).
function _M.done(r, node, shared, t0)
    _M.finish(node, shared)
    local c = node.counters
    c[REQ] = c[REQ] + 1
    local cls = floor(get_resp_status(r) / 100)
    if cls >= 1 and cls <= 5 then
        c[cls + 1] = c[cls + 1] + 1
    end
    -- Time from picking the node to the end of the request, in ngx.now()'s
    -- millisecond steps (the resolution of $upstream_response_time too, which
    -- costs a variable lookup to read).
    local t = ngx_now() - t0
    c[LSUM] = c[LSUM] + t
    c[LCNT] = c[LCNT] + 1
    local b = B0 + bucket_of(t) - 1
    c[b] = c[b] + 1
    c.dirty = true
end

function _M.fail(node)
    local c = node.counters
    c[FAIL] = c[FAIL] + 1
    c.dirty = true
end

-- In-flight counts of every node ("service|addr" -> n): shared ones plus
-- what every worker of this and the previous generation published.
function _M.inflight_map()
    publish_inflight()
    local map = {}
    for gen = 0, 1 do
        for id = 0, MAX_WORKER_ID do
            local blob = STATS:get("ifw:" .. gen .. ":" .. id)
            if blob then
                for key, v in blob:gmatch("([^\t\n]+)\t(-?%d+)") do
                    map[key] = (map[key] or 0) + tonumber(v)
                end
            end
        end
    end
    return map
end

function _M.inflight(key, map)
    local n = (STATS:get("if:" .. key) or 0) + (map[key] or 0)
    return n > 0 and n or 0
end

-- Reads one node's totals from the dict (after flushing this worker).
function _M.read(key, map)
    local out = {}
    for i = 1, NFIELDS do
        out[i] = STATS:get("c:" .. key .. ":" .. i) or 0
    end
    out.in_flight = _M.inflight(key, map)
    out.ejected_until = STATS:get("ej:" .. key)
    return out
end

local function register_worker()
    local id = ngx.worker.id()
    if id then
        dict_write(STATS, "set", "w:" .. id, ngx.worker.pid())
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
