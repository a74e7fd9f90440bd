-- Active health checks: an HTTP GET of health.check.path on every node of every
-- service that has health.check, each health.check.interval seconds.
--
-- One worker probes at a time: every worker ticks, and the one holding the
-- lock "hclock" in graylane_stats (taken with add, refreshed on each tick,
-- LOCK_TTL expiry) does the work, so when it dies or exits another one takes
-- over. Probe targets come from the decoded state of the current version on
-- every tick (cache.all()), never from a list built at start: an added node is
-- probed from the service's next round, a removed one is not probed again and
-- its result is dropped.
--
-- Results go to graylane_stats (see health.lua, "hc:" records); a node that
-- becomes unhealthy is ejected through the same path as passive ejection, so
-- like an ejected node it still serves as a last resort when no other node of
-- its service is usable.
local util = require "graylane.util"
local cache = require "graylane.view"
local health = require "graylane.health"
local signal = require "graylane.signal"

local ngx = ngx
local ngx_now = ngx.now
local ngx_update_time = ngx.update_time
local tcp = ngx.socket.tcp
local spawn = ngx.thread.spawn
local wait = ngx.thread.wait
local timer_at = ngx.timer.at
local pairs = pairs
local pcall = pcall
local tonumber = tonumber
local tostring = tostring
local type = type
local concat = table.concat

local STATS = ngx.shared.graylane_stats

local _M = {}

local TICK = 0.25
local LOCK_KEY = "hclock"
local LOCK_TTL = 3
local MAX_STREAK = 1000
local HEALTHY, UNHEALTHY = "healthy", "unhealthy"

local my_id          -- this worker's pid: unique across reloads
local leading = false
local due = {}       -- service name -> time of its next round (leader only)
local busy = {}      -- service name -> true while a round runs
local known = {}     -- "hc:" keys this worker wrote, to drop them when their node goes

local function bump_version()
    local _, err = signal.bump()
    if err then
        ngx.log(ngx.ERR, "graylane: cannot bump state version: ", err)
    end
end

-- One HTTP/1.0 GET; true for 2xx/3xx, else false and why.
local function probe(node, check)
    local sock = tcp()
    local ms = check.timeout * 1000
    sock:settimeouts(ms, ms, ms)
    local ok, err = sock:connect(node.ip, node.port)
    if not ok then
        return false, "connect: " .. tostring(err)
    end
    local line
    line, err = util.exchange(sock, concat({ "GET ", check.path, " HTTP/1.0\r\nHost: ", node.addr,
                              "\r\nUser-Agent: graylane-health\r\nConnection: close\r\n\r\n" }), "*l")
    if not line then
        return false, err
    end
    local status = tonumber(line:match("^HTTP/%d%.%d (%d%d%d)"))
    if not status then
        return false, "not an HTTP status line"
    end
    if status >= 200 and status < 400 then
        return true
    end
    return false, "status " .. status
end

-- Folds one probe result into the node's record; a move into or out of
-- unhealthy bumps the version, so every worker re-reads ejections.
local function record(svc, node, ok, err, now)
    local check = svc.check
    local state, oks, fails = health.active(node.key)
    if ok then
        oks, fails = oks < MAX_STREAK and oks + 1 or oks, 0
    else
        oks, fails = 0, fails < MAX_STREAK and fails + 1 or fails
    end
    local new = state
    if ok and state ~= HEALTHY and oks >= check.healthy then
        new = HEALTHY
    elseif not ok and state ~= UNHEALTHY and fails >= check.unhealthy then
        new = UNHEALTHY
    end
    -- long enough to outlive a change of prober (LOCK_TTL) and a slow round
    local ttl = 3 * check.interval + 3 * check.timeout + LOCK_TTL
    local v = concat({ new, oks, fails, now, err and err:gsub("%c", " ") or "" }, "\t")
    if not util.dict_write(STATS, "set", node.hc_key, v, ttl) then
        return
    end
    known[node.hc_key] = true
    if (new == UNHEALTHY) ~= (state == UNHEALTHY) then
        ngx.log(ngx.WARN, "graylane: node ", node.addr, " of service ", svc.name, " is now ", new,
                err and (" (" .. err .. ")") or "")
        bump_version()
    end
end

local function run_round(svc)
    local check = svc.check
    local nodes = svc.nodes
    local threads = {}
    for i = 1, #nodes do
        local n = nodes[i]
        if n.ip then
            local th, err = spawn(probe, n, check)
            threads[i] = th or err
        else
            threads[i] = "host does not resolve"
        end
    end
    local results = {}
    for i = 1, #nodes do
        local th = threads[i]
        if type(th) == "string" then
            results[i] = { false, th }
        else
            local alive, ok, err = wait(th)
            results[i] = alive and { ok, err } or { false, "probe failed: " .. tostring(ok) }
        end
    end
    ngx_update_time()
    local now = ngx_now()
    for i = 1, #nodes do
        local r = results[i]
        record(svc, nodes[i], r[1], r[2], now)
    end
end

local function round(premature, svc)
    if not premature then
        local ok, err = pcall(run_round, svc)
        if not ok then
            ngx.log(ngx.ERR, "graylane: health check round of ", svc.name, " failed: ", err)
        end
    end
    busy[svc.name] = nil
end

local function release()
    if STATS:get(LOCK_KEY) == my_id then
        STATS:delete(LOCK_KEY)
    end
    leading = false
end

-- True when this worker is the prober; refreshes the lock's expiry.
local function take_lock()
    local ok, err = STATS:add(LOCK_KEY, my_id, LOCK_TTL)
    if ok then
        return true
    end
    if err ~= "exists" then
        ngx.log(ngx.ERR, "graylane: health check lock: ", err)
        return false
    end
    if STATS:get(LOCK_KEY) ~= my_id then
        return false
    end
    ok, err = STATS:set(LOCK_KEY, my_id, LOCK_TTL)
    if not ok then
        ngx.log(ngx.ERR, "graylane: health check lock: ", err)
    end
    return true
end

local function tick(premature)
    if premature or ngx.worker.exiting() then
        return release()
    end
    if not take_lock() then
        if leading then
            leading, due, known = false, {}, {}
        end
        return
    end
    leading = true
    local now = ngx_now()
    local live
    for name, svc in pairs(cache.all()) do
        local check = svc.check
        if check then
            live = live or {}
            local nodes = svc.nodes
            for i = 1, #nodes do
                live[nodes[i].hc_key] = true
            end
            if not busy[name] and now >= (due[name] or 0) then
                due[name] = now + check.interval
                busy[name] = true
                local ok, err = timer_at(0, round, svc)
                if not ok then
                    busy[name] = nil
                    ngx.log(ngx.ERR, "graylane: cannot start a health check round of ", name, ": ", err)
                end
            end
        else
            due[name] = nil
        end
    end
    -- records of nodes that left (or whose service stopped checking)
    for key in pairs(known) do
        if not (live and live[key]) then
            known[key] = nil
            local was_unhealthy = health.unhealthy(key)
            STATS:delete(key)
            if was_unhealthy then
                bump_version()
            end
        end
    end
end

-- pid of the worker that probes now, or nil
function _M.prober()
    return STATS:get(LOCK_KEY)
end

function _M.init_worker()
    my_id = ngx.worker.pid()
    local ok, err = ngx.timer.every(TICK, tick)
    if not ok then
        ngx.log(ngx.ERR, "graylane: cannot start the health check timer: ", err)
    end
end

return _M
