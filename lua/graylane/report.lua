-- Admin reads that walk every node: the /v1/stats document, and the walk and
-- caching that /metrics (metrics.lua) and GET /v1/upstreams share.
--
-- They run on the workers that proxy traffic, so they must never hold a
-- worker for long (a 10k-node walk in one go stalled proxied requests for
-- over a second):
--   * the walk pauses (ngx.sleep) after every SLICE of work, so proxied
--     requests are served between slices;
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
local encode = util.encode
local array = util.array
local null = util.null

local ADMIN = ngx.shared.graylane_admin
local STATS = ngx.shared.graylane_stats

local _M = {}

local CHECK_EVERY = 4   -- nodes between clock reads
local SLICE = 0.002     -- s of work before a pause
local PAUSE = 0.001     -- s (the shortest timer that lets nginx poll)
local CACHE_MIN_NODES = 1000
local MIN_FRESH = 1
local FRESH_FACTOR = 4
local LOCK_TTL = 60

local budget, slice_start = 0, 0

-- Counts one unit of work (a node); once a slice has run for SLICE seconds,
-- lets nginx serve others. ngx.sleep(0) would not: without OpenResty's
-- delayed-events patch it is a 0 ms timer that nginx expires in the same
-- pass, never reaching epoll; a 1 ms timer makes the worker poll its
-- connections first.
local function tick()
    budget = budget + 1
    if budget >= CHECK_EVERY then
        budget = 0
        update_time()
        local now = ngx_now()
        if now - slice_start >= SLICE then
            ngx_sleep(PAUSE)
            update_time()
            slice_start = ngx_now()
        end
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

-- The stored state of a service plus read-only runtime fields per node
-- (ejected_until, in_flight, and the active check's result when it has one).
-- inflight: stats.inflight_map(), when the caller presents many services.
function _M.present(st, inflight)
    inflight = inflight or stats.inflight_map()
    local checked = st.health and st.health.check
    for i = 1, #st.nodes do
        local n = st.nodes[i]
        local key = st.name .. "|" .. n.addr
        n.ejected_until = STATS:get("ej:" .. key) or null
        n.in_flight = stats.inflight(key, inflight)
        if checked then
            _M.add_active(n, key)
        end
        tick()
    end
    return st
end

-- util.encode(st) of a service, one node at a time: a 500-node service
-- encoded in one go holds the worker for too long.
function _M.encode_service(st)
    local nodes = st.nodes
    local frags = {}
    for i = 1, #nodes do
        frags[i] = encode(nodes[i])
        tick()
    end
    st.nodes = array()
    local shell = encode(st)
    st.nodes = nodes
    -- keys are sorted and string values escape their quotes, so this is the
    -- service's own (empty) node list
    local a, b = shell:find('"nodes":[]', 1, true)
    return shell:sub(1, a + 8) .. concat(frags, ",") .. shell:sub(b)
end

local I = stats.idx
local BUCKETS = stats.BUCKETS
local REQ, FAIL, LSUM, LCNT, B0, NB = I.REQ, I.FAIL, I.LSUM, I.LCNT, I.B0, I.NB

-- A JSON number exactly as util.encode writes it.
local num = util.encode_number

-- ',"le":<bound>}' of each latency bucket, made once
local LE = {}
for b = 1, NB do
    LE[b] = ',"le":' .. (BUCKETS[b] and num(BUCKETS[b]) or '"+Inf"') .. "}"
end

-- One node of /v1/stats, written field by field in util.encode's (sorted)
-- key order: the generic encoder sorts the keys of 15 tables per node, which
-- made a 10k-node document take seconds.
local function node_json(n, key, c, now, checked)
    local ej = c.ejected_until
    local buf = {
        '{"addr":', encode(n.addr),
        ',"backup":', n.backup and "true" or "false",
        ',"connect_failures":', num(c[FAIL]),
        ',"ejected":', (ej and ej > now) and "true" or "false",
        ',"ejected_until":', ej and num(ej) or "null",
    }
    if checked then
        local h = {}
        _M.add_active(h, key)
        buf[#buf + 1] = ',"health":' .. encode(h.health) .. ',"health_checked_at":' .. encode(h.health_checked_at)
            .. ',"health_error":' .. encode(h.health_error)
    end
    buf[#buf + 1] = ',"in_flight":'
    buf[#buf + 1] = num(c.in_flight)
    buf[#buf + 1] = ',"latency":{"buckets":['
    local cum = 0
    for b = 1, NB do
        cum = cum + c[B0 + b - 1]
        buf[#buf + 1] = (b > 1 and ',{"count":' or '{"count":') .. num(cum) .. LE[b]
    end
    buf[#buf + 1] = '],"count":' .. num(c[LCNT]) .. ',"sum":' .. num(c[LSUM])
        .. '},"requests":' .. num(c[REQ])
        .. ',"responses":{"1xx":' .. num(c[2]) .. ',"2xx":' .. num(c[3]) .. ',"3xx":' .. num(c[4])
        .. ',"4xx":' .. num(c[5]) .. ',"5xx":' .. num(c[6])
        .. '},"state":' .. encode(n.state) .. ',"weight":' .. num(n.weight) .. "}"
    return concat(buf)
end

-- Calls on_node(st, node, key, counters, now, checked) for every node of the
-- named services (in order), yielding as it goes; on_service(st) after each
-- service. Returns the number of nodes walked and the time of the walk.
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
            local prefix = st.name .. "|"
            for i = 1, #nodes do
                local n = nodes[i]
                local key = prefix .. n.addr
                on_node(st, n, key, stats.read(key, inflight), now, checked)
                tick()
            end
            total = total + #nodes
            on_service(st)
        end
    end
    return total, now
end
_M.walk = walk

-- The /v1/stats document, encoded as util.encode would encode the table
-- { generated_at, flush_interval, services = [{ name, version, algorithm, nodes }] }
-- (sorted keys), one node at a time.
local function render_stats(names)
    local services, frags = {}, {}
    local total, now = walk(names, function(_, n, key, c, now, checked)
        frags[#frags + 1] = node_json(n, key, c, now, checked)
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

-- A rendered document of the whole fleet: from graylane_admin while fresh,
-- else rendered here (and stored when the fleet is big).
-- kind -> { at = <render time>, doc = <string> }: the last document this
-- worker took from the dict, so serving it again copies no megabytes
local local_copy = {}

-- strict: the document shows the configuration (GET /v1/upstreams), so it is
-- only good for the state version it was rendered at (counters may lag).
local function cached(kind, render, strict)
    local now = ngx_now()
    local at, fresh = ADMIN:get(kind .. ":at"), ADMIN:get(kind .. ":fresh") or 0
    local ver = strict and store.version()
    if strict and ADMIN:get(kind .. ":ver") ~= ver then
        at = nil
    end
    local mine = local_copy[kind]
    local doc
    if not at then
        doc = nil
    elseif mine and mine.at == at then
        doc = mine.doc
    else
        doc = ADMIN:get(kind)
        local_copy[kind] = doc and { at = at, doc = doc } or nil
    end
    if doc then
        if now - (at or 0) < fresh then
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
        local keep = took * FRESH_FACTOR
        local sok, err = ADMIN:safe_set(kind, body)
        if sok then
            if strict then
                ADMIN:set(kind .. ":ver", ver)
            end
            ADMIN:set(kind .. ":at", t0)
            ADMIN:set(kind .. ":fresh", keep > MIN_FRESH and keep or MIN_FRESH)
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

-- A whole-fleet document rendered by render(names) -> body, node count
-- (/metrics: metrics.lua), kept like /v1/stats.
function _M.document(kind, render)
    return cached(kind, render)
end

-- A whole-fleet document rendered by render(names) -> body, node count, kept
-- like /v1/stats but only for the state version it shows.
function _M.configuration(kind, render)
    return cached(kind, render, true)
end

return _M
