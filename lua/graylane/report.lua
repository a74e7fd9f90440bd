-- Admin reads that walk every node: the /v1/stats document and /metrics.
--
-- They run on the workers that proxy traffic, so they must never hold a
-- worker for long (a 10k-node walk in one go stalled proxied requests for
-- over a second):
--   * the walk yields to the event loop (ngx.sleep(0)) every YIELD_EVERY
--     nodes, so proxied requests are served between slices;
--   * a fleet of CACHE_MIN_NODES nodes or more is rendered once per freshness
--     interval (at least MIN_FRESH s, and at least FRESH_FACTOR times what the
--     last rendering took, so rendering takes at most ~1/FRESH_FACTOR of one
--     worker) into the graylane_admin dict and served from there by every
--     worker; one worker renders at a time, the others serve the previous
--     document meanwhile. generated_at says how old a document is;
--   * /v1/stats?service=<name> walks only that service (at most MAX_NODES).
-- Small fleets are rendered on every call: cheap, and always current.
local util = require "graylane.util"
local store = require "graylane.store"
local stats = require "graylane.stats"
local health = require "graylane.health"
local config = require "graylane.config"

local ngx = ngx
local ngx_now = ngx.now
local ngx_sleep = ngx.sleep
local update_time = ngx.update_time
local concat = table.concat
local floor = math.floor
local str_format = string.format
local encode = util.encode
local array = util.array
local null = util.null

local ADMIN = ngx.shared.graylane_admin

local _M = {}

local YIELD_EVERY = 16
local CACHE_MIN_NODES = 1000
local MIN_FRESH = 1
local FRESH_FACTOR = 4
local LOCK_TTL = 60

local budget = 0

-- Counts one unit of work; every YIELD_EVERY units, lets nginx serve others.
local function tick()
    budget = budget + 1
    if budget >= YIELD_EVERY then
        budget = 0
        ngx_sleep(0)
    end
end
_M.tick = tick

-- Active health check fields of a node (only for services with health.check).
function _M.add_active(out, key)
    local state, _, _, at, err = health.active(key)
    out.health = state
    out.health_checked_at = at or null
    out.health_error = err or null
end

local I = stats.idx
local BUCKETS = stats.BUCKETS

local function node_stats(n, key, inflight, now, checked)
    local c = stats.read(key, inflight)
    local buckets, cum = array(), 0
    for b = 1, I.NB do
        cum = cum + c[I.B0 + b - 1]
        buckets[b] = { le = BUCKETS[b] or "+Inf", count = cum }
    end
    local ej = c.ejected_until
    local out = {
        addr = n.addr, state = n.state, weight = n.weight, backup = n.backup,
        requests = c[I.REQ],
        responses = { ["1xx"] = c[2], ["2xx"] = c[3], ["3xx"] = c[4], ["4xx"] = c[5], ["5xx"] = c[6] },
        connect_failures = c[I.FAIL],
        in_flight = c.in_flight,
        ejected = (ej and ej > now) and true or false,
        ejected_until = ej or null,
        latency = { sum = c[I.LSUM], count = c[I.LCNT], buckets = buckets },
    }
    if checked then
        _M.add_active(out, key)
    end
    return out
end

-- Calls on_node(st, node_stats) for every node of the named services (in
-- order), yielding as it goes; on_service(st, count) after each service.
-- Returns the number of nodes walked.
local function walk(names, on_node, on_service)
    stats.flush()
    local inflight = stats.inflight_map()
    local now = ngx_now()
    local total = 0
    for si = 1, #names do
        local st = store.get(names[si])
        if st then
            local checked = st.health and st.health.check
            local nodes = st.nodes
            for i = 1, #nodes do
                local n = nodes[i]
                on_node(st, node_stats(n, st.name .. "|" .. n.addr, inflight, now, checked))
                tick()
            end
            total = total + #nodes
            on_service(st, #nodes)
        end
    end
    return total, now
end

-- The /v1/stats document, encoded as util.encode would encode the table
-- { generated_at, flush_interval, services = [{ name, version, algorithm, nodes }] }
-- (sorted keys), one node at a time.
local function render_stats(names)
    local services, frags = {}, {}
    local total, now = walk(names, function(_, doc)
        frags[#frags + 1] = encode(doc)
    end, function(st)
        services[#services + 1] = concat({
            '{"algorithm":', encode(st.algorithm), ',"name":', encode(st.name),
            ',"nodes":[', concat(frags, ","), '],"version":', encode(st.version), "}",
        })
        frags = {}
    end)
    return concat({
        '{"flush_interval":', encode(config.stats_flush), ',"generated_at":', encode(now),
        ',"services":[', concat(services, ","), "]}\n",
    }), total
end

local function prom_label(s)
    return (s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", "\\n"))
end

local function prom_num(v)
    if v == floor(v) then
        return str_format("%d", v)
    end
    return str_format("%.9g", v)
end

local FAMILIES = {
    { "graylane_node_requests_total", "counter", "Requests whose final try went to the node." },
    { "graylane_node_responses_total", "counter", "Responses by status class." },
    { "graylane_node_connect_failures_total", "counter", "Tries that failed to connect, timed out or were reset." },
    { "graylane_node_in_flight", "gauge", "Requests currently in flight to the node." },
    { "graylane_node_ejected", "gauge", "1 while the node is passively ejected." },
    { "graylane_node_healthy", "gauge", "Active health check: 1 healthy, 0 unhealthy (nodes with a check result only)." },
    { "graylane_node_upstream_latency_seconds", "histogram", "Upstream response time of the node." },
}
local CLASSES = { "1xx", "2xx", "3xx", "4xx", "5xx" }

local function render_metrics(names)
    local rows = {}
    for f = 1, #FAMILIES do
        rows[f] = {}
    end
    local function add(f, s)
        local r = rows[f]
        r[#r + 1] = s
    end
    local total = walk(names, function(st, n)
        local l = 'service="' .. prom_label(st.name) .. '",node="' .. prom_label(n.addr) .. '"'
        add(1, "graylane_node_requests_total{" .. l .. "} " .. prom_num(n.requests))
        for _, cls in ipairs(CLASSES) do
            add(2, "graylane_node_responses_total{" .. l .. ',class="' .. cls .. '"} ' .. prom_num(n.responses[cls]))
        end
        add(3, "graylane_node_connect_failures_total{" .. l .. "} " .. prom_num(n.connect_failures))
        add(4, "graylane_node_in_flight{" .. l .. "} " .. prom_num(n.in_flight))
        add(5, "graylane_node_ejected{" .. l .. "} " .. (n.ejected and "1" or "0"))
        if n.health == "healthy" or n.health == "unhealthy" then
            add(6, "graylane_node_healthy{" .. l .. "} " .. (n.health == "healthy" and "1" or "0"))
        end
        local m = "graylane_node_upstream_latency_seconds"
        for _, b in ipairs(n.latency.buckets) do
            local le = b.le == "+Inf" and "+Inf" or prom_num(b.le)
            add(7, m .. "_bucket{" .. l .. ',le="' .. le .. '"} ' .. prom_num(b.count))
        end
        add(7, m .. "_sum{" .. l .. "} " .. prom_num(n.latency.sum))
        add(7, m .. "_count{" .. l .. "} " .. prom_num(n.latency.count))
    end, function() end)
    local out = {
        "# HELP graylane_quarantined_services Services of the state file that failed validation at the last start and were quarantined.",
        "# TYPE graylane_quarantined_services gauge",
        "graylane_quarantined_services " .. #store.quarantined(),
    }
    for f = 1, #FAMILIES do
        local d = FAMILIES[f]
        out[#out + 1] = "# HELP " .. d[1] .. " " .. d[3]
        out[#out + 1] = "# TYPE " .. d[1] .. " " .. d[2]
        local r = rows[f]
        if #r > 0 then
            out[#out + 1] = concat(r, "\n")
        end
    end
    return concat(out, "\n") .. "\n", total
end

-- A rendered document of the whole fleet: from graylane_admin while fresh,
-- else rendered here (and stored when the fleet is big).
local function cached(kind, render)
    local now = ngx_now()
    local doc = ADMIN:get(kind)
    if doc then
        local at, fresh = ADMIN:get(kind .. ":at") or 0, ADMIN:get(kind .. ":fresh") or 0
        if now - at < fresh then
            return doc
        end
        -- stale: one worker renders, the others serve the previous document
        if not ADMIN:add(kind .. ":lock", true, LOCK_TTL) then
            return doc
        end
    end
    update_time()
    local t0 = ngx_now()
    local ok, body, total = pcall(render, store.names())
    if doc then
        ADMIN:delete(kind .. ":lock")
    end
    if not ok then
        error(body)
    end
    update_time()
    local took = ngx_now() - t0
    if total >= CACHE_MIN_NODES then
        local fresh = took * FRESH_FACTOR
        local sok, err = ADMIN:safe_set(kind, body)
        if sok then
            ADMIN:set(kind .. ":at", t0)
            ADMIN:set(kind .. ":fresh", fresh > MIN_FRESH and fresh or MIN_FRESH)
        else
            ngx.log(ngx.WARN, "graylane: cannot cache the ", kind, " document (", #body,
                    " bytes): ", err, "; raise the graylane_admin dict")
        end
    elseif doc then
        ADMIN:delete(kind)
    end
    return body
end

-- The /v1/stats body; service: only that one (nil: every service).
function _M.stats(service)
    if service then
        return (render_stats({ service }))
    end
    return cached("stats", render_stats)
end

function _M.metrics()
    return cached("metrics", render_metrics)
end

return _M
