-- The compiled per-worker view of the gateway state: what the balancer reads.
-- A request costs one load of the change signal (signal.lua: the state version
-- mirrored in a word of shared memory); the version is read from the shared
-- dict and tables are rebuilt only when that word moves, and then only the
-- services whose data key changed are decoded again.
--
-- Hostname nodes are resolved here, when a service is (re)built: "localhost"
-- and names in /etc/hosts. A name that does not resolve is kept in the state
-- but serves nothing (logged); there is no DNS lookup on the request path.
local util = require "graylane.util"
local ipaddr = require "graylane.ip"
local store = require "graylane.store"
local stats = require "graylane.stats"
local health = require "graylane.health"
local gray = require "graylane.gray"
local calls = require "graylane.balancer.calls"
local signal = require "graylane.signal"
local config = require "graylane.config"

local ngx = ngx
local STATE = ngx.shared.graylane_state
local STATS = ngx.shared.graylane_stats
local HUGE = math.huge

local _M = {}

local services = {}
local cached_ver = -1
-- the change signal's word (double *; nil: read the dict on every request) and
-- its value when this worker last read the version (nil: never)
local word
local seen

local MAX_TRIES = 5

local function build(st, seq, hosts)
    local name = st.name
    local svc = {
        name = name,
        seq = seq,
        version = st.version,
        algorithm = st.algorithm,
        -- least_conn counts in-flight requests in the shared dict (stats.lua)
        shared_inflight = st.algorithm == "least_conn",
        health = st.health,
        -- active health check settings, nil when off
        check = st.health.check,
        nodes = {},
        stable = {},
        backup = {},
        gray = {},
        by_hostport = {},
        any_ejected = false,
        rr = 0,
    }
    for i = 1, #st.nodes do
        local cfg = st.nodes[i]
        local a = ipaddr.parse_addr(cfg.addr)
        local ip
        if a.kind == "ipv4" then
            ip = a.host
        elseif a.kind == "ipv6" then
            ip = "[" .. a.host .. "]"
        else
            ip = hosts[a.host]
            if not ip then
                ngx.log(ngx.ERR, "graylane: cannot resolve ", a.host, " (node ", cfg.addr,
                        " of service ", name, ") via /etc/hosts; it serves nothing")
            end
        end
        local key = name .. "|" .. cfg.addr
        local node = {
            addr = cfg.addr,
            ip = ip,
            port = a.port,
            weight = cfg.weight,
            state = cfg.state,
            backup = cfg.backup,
            key = key,
            if_key = "if:" .. key,
            fl_key = "fl:" .. key,
            ej_key = "ej:" .. key,
            hc_key = "hc:" .. key,
            cw = 0,
            ejected_until = 0,
            counters = stats.counters(key),
        }
        svc.nodes[i] = node
        if ip then
            svc.by_hostport[ip .. ":" .. a.port] = node
            if cfg.state == "active" then
                local pool = cfg.backup and svc.backup or svc.stable
                pool[#pool + 1] = node
            elseif cfg.state == "gray" then
                svc.gray[#svc.gray + 1] = node
            end
        end
    end
    -- the algorithm's entry of the implementations table (balancer/init.lua,
    -- required here when first needed: it requires this module)
    local impl = require("graylane.balancer").algorithms[svc.algorithm]
    svc.impl = impl
    impl.prepare(svc.stable)
    impl.prepare(svc.backup)
    impl.prepare(svc.gray)
    svc.gray_rule = gray.compile(st.gray)
    svc.gray_possible = svc.gray_rule.any and #svc.gray > 0
    local stable_n = #svc.stable + #svc.backup
    svc.tries_stable = stable_n < MAX_TRIES and stable_n or MAX_TRIES
    local gray_n = stable_n + #svc.gray
    svc.tries_gray = gray_n < MAX_TRIES and gray_n or MAX_TRIES
    return svc
end

-- true when the view is at `ver`
local function refresh(ver)
    local names = store.names()
    local fresh = {}
    local hosts
    for i = 1, #names do
        local name = names[i]
        local raw, seq = store.get_raw(name)
        if not raw then
            -- a change landed between our reads; keep the old view, retry next request
            return false
        end
        local old = services[name]
        if old and old.seq == seq then
            fresh[name] = old
        else
            local st, err = util.decode(raw)
            if not st then
                ngx.log(ngx.ERR, "graylane: cannot decode service ", name, ": ", err)
                return false
            end
            hosts = hosts or ipaddr.read_hosts()
            fresh[name] = build(st, seq, hosts)
        end
    end
    -- passive ejections and active-check failures: both make a node ejected
    for _, svc in pairs(fresh) do
        local any = false
        local nodes = svc.nodes
        local check = svc.check
        for i = 1, #nodes do
            local n = nodes[i]
            local untl = STATS:get(n.ej_key)
            if check and health.unhealthy(n.hc_key) then
                untl = HUGE
            end
            n.ejected_until = untl or 0
            if untl then
                any = true
            end
        end
        svc.any_ejected = any
    end
    services = fresh
    cached_ver = ver
    return true
end

-- the state version, read through the FFI
local STATE_ZONE = calls.zone(STATE)
local dict_number = calls.dict_number

-- The service `name` at the current state version (nil when unknown).
-- The word is loaded before the version is read, and `seen` moves only once
-- the view is at a version read after that load (why no change is missed:
-- signal.lua).
local function get_signalled(name)
    local w = word[0]
    if w ~= seen then
        local ver = dict_number(STATE_ZONE, "ver")
        if ver == cached_ver or refresh(ver) then
            seen = w
        end
    end
    return services[name]
end

-- The same without the signal: the version read from the dict every time.
local function get_versioned(name)
    local ver = dict_number(STATE_ZONE, "ver")
    if ver ~= cached_ver then
        refresh(ver)
    end
    return services[name]
end

_M.get = get_versioned

-- init_by_lua, before the state is loaded: sets up the change signal (its
-- word is shared with the workers forked after this). Without it, or with
-- the init option change_signal = false, every request reads the version
-- from the dict; writers publish to the word whenever it exists, so workers
-- of another generation that read it still see their changes.
function _M.init()
    local w, err = signal.init()
    if not w then
        ngx.log(ngx.WARN, "graylane: no change signal (", err, "); every request reads the ",
                "state version from the shared dict")
    end
    if w and not config.change_signal then
        ngx.log(ngx.NOTICE, "graylane: change_signal = false: every request reads the state ",
                "version from the shared dict")
    end
    word = config.change_signal and w or nil
    seen = nil
    _M.get = word and get_signalled or get_versioned
end

-- Every service (name -> decoded service) at the current state version.
function _M.all()
    local ver = STATE:get("ver")
    if ver ~= cached_ver then
        refresh(ver)
    end
    return services
end

return _M
