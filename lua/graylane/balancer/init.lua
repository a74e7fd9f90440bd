-- The data plane: balancer_by_lua picks the node of every try. The first call
-- of a request resolves the service, decides stable or gray, and sets how many
-- tries the request gets; later calls (nginx retrying after a connect error or
-- timeout) record the failure and pick another node, never one already tried.
--
-- Pools, in order: gray (gray traffic only) -> stable (active, not backup)
-- -> backup (active backup) -> ejected stable/backup nodes as a last resort
-- (like nginx, which tries "down" peers when all of them failed).
--
-- Per-request state lives in a module table keyed by the request's address,
-- not in ngx.ctx: ngx.ctx costs a C call per access, a registry reference
-- and a cleanup handler per request. log() (log phase) or error_page()
-- (after an internal redirect) drops it.
local ngx_balancer = require "ngx.balancer"
local base = require "resty.core.base"
local ffi = require "ffi"
local calls = require "graylane.balancer.calls"
local view = require "graylane.view"
local gray = require "graylane.gray"
local health = require "graylane.health"
local stats = require "graylane.stats"
local util = require "graylane.util"
local config = require "graylane.config"

local ngx = ngx
local var = ngx.var
local ngx_now = ngx.now
local var_get = calls.var
local set_current_peer = calls.set_current_peer
local set_more_tries = calls.set_more_tries
local get_last_failure = ngx_balancer.get_last_failure
local get_request = base.get_request
local ffi_cast = ffi.cast
local tonumber = tonumber
local UINTPTR = ffi.typeof("uintptr_t")

local _M = {}

-- request address -> { svc, gray, node, tried, hash, t0, shared }
local reqs = {}

-- get_request() is a new cdata on every call: key by the address it holds
local function request_key(r)
    return tonumber(ffi_cast(UINTPTR, r))
end
-- finished request states, reused: a new table per request costs two
-- mallocs and their frees (this LuaJIT allocates with the system malloc)
local spare, nspare = {}, 0
local MAX_SPARE = 1024

local function new_state(svc)
    local st
    if nspare > 0 then
        st = spare[nspare]
        spare[nspare] = nil
        nspare = nspare - 1
        st.svc = svc
    else
        st = { svc = svc, gray = false, node = false, tried = false, hash = false, t0 = 0,
               shared = false }
    end
    st.shared = svc.shared_inflight
    return st
end

local function drop_state(r, st)
    reqs[r] = nil
    if nspare < MAX_SPARE then
        st.svc, st.gray, st.node, st.tried, st.hash = false, false, false, false, false
        nspare = nspare + 1
        spare[nspare] = st
    end
end

-- The implementations table: view.lua stores each service's entry as svc.impl
-- when it builds the service (and has it prepare the pools), so a request makes
-- one call through it. Each entry: prepare(pool), pick(svc, pool, st, now,
-- ignore_ejection) -> node or nil.
local ALGORITHMS = {
    round_robin = require "graylane.balancer.round_robin",
    ip_hash = require "graylane.balancer.ip_hash",
    least_conn = require "graylane.balancer.least_conn",
}
_M.algorithms = ALGORITHMS

local function pick_pool(svc, pool, st, now, ign)
    if #pool == 0 then
        return nil
    end
    return svc.impl.pick(svc, pool, st, now, ign)
end

local function pick(svc, st, now)
    local n
    if st.gray then
        n = pick_pool(svc, svc.gray, st, now, false)
        if n then
            return n
        end
    end
    n = pick_pool(svc, svc.stable, st, now, false)
    if n then
        return n
    end
    n = pick_pool(svc, svc.backup, st, now, false)
    if n then
        return n
    end
    if svc.any_ejected then
        n = pick_pool(svc, svc.stable, st, now, true)
        if n then
            return n
        end
        return pick_pool(svc, svc.backup, st, now, true)
    end
    return nil
end

-- $graylane_service if a location set it, else $host. The first is read
-- only when the config has such a location (a variable lookup costs ~0.4k
-- instructions; a map over both cost ~1.1k).
local SERVICE_VAR = calls.variable("graylane_service")
local HOST = calls.variable("host")

local function service_name(r)
    if config.service_var then
        local s = var_get(r, SERVICE_VAR)
        if s and s ~= "" then
            return s
        end
    end
    return var_get(r, HOST)
end

function _M.balance()
    local req = get_request()
    local r = request_key(req)
    local st = reqs[r]
    local svc, node
    -- an entry left by a request whose log phase never ran (same address
    -- reused) is not a retry: retries always follow a failure
    if st and not get_last_failure() then
        st = nil
    end
    if not st then
        svc = view.get(service_name(req))
        if not svc then
            -- error_page 500 -> error_page() answers 404 unknown_service
            return ngx.exit(ngx.ERROR)
        end
        st = new_state(svc)
        if svc.gray_possible then
            st.gray = gray.match(svc, st, req)
        end
        node = pick(svc, st, svc.any_ejected and ngx_now() or 0)
        if not node then
            -- error_page 500 -> error_page() answers 503 no_available_node
            return ngx.exit(ngx.ERROR)
        end
        reqs[r] = st
        local tries = st.gray and svc.tries_gray or svc.tries_stable
        if tries > 1 then
            local ok, err = set_more_tries(req, tries - 1)
            if not ok then
                ngx.log(ngx.ERR, "graylane: set_more_tries: ", err)
            end
        end
    else
        -- a retry: the previous node failed (connect error, timeout, reset)
        svc = st.svc
        local prev = st.node
        if prev then
            stats.finish(prev, st.shared)
            health.failed(svc, prev)
            local tried = st.tried
            if not tried then
                tried = {}
                st.tried = tried
            end
            tried[prev] = true
            st.node = false
        end
        -- ejections made since the first try count too
        local fresh = view.get(svc.name)
        local tried = st.tried
        if fresh and fresh ~= svc and tried then
            for n in pairs(tried) do
                local same = fresh.by_hostport[n.ip .. ":" .. n.port]
                if same then
                    tried[same] = true
                end
            end
            svc = fresh
            st.svc = fresh
        end
        node = pick(svc, st, ngx_now())
        if not node then
            return ngx.exit(ngx.ERROR)
        end
    end
    local ok, err = set_current_peer(req, node.ip, node.port)
    if not ok then
        ngx.log(ngx.ERR, "graylane: set_current_peer ", node.addr, ": ", err)
        return ngx.exit(ngx.ERROR)
    end
    st.node = node
    st.t0 = ngx_now()
    stats.begin(node, st.shared)
end

local function json_error(status, code, message, service)
    return util.send_json(status, { error = { code = code, message = message, service = service } })
end

-- log_by_lua of the proxy: the final try of a proxied request.
function _M.log()
    local req = get_request()
    local r = request_key(req)
    local st = reqs[r]
    if not st then
        return
    end
    local node = st.node
    if node then
        stats.done(req, node, st.shared, st.t0)
    end
    drop_state(r, st)
end

-- error_page 500/502/504 of the proxy (an internal redirect: the proxy
-- location's log phase will not run). The outcome is reconstructed from
-- variables.
function _M.error_page(code)
    local req = get_request()
    local r = request_key(req)
    local st = reqs[r]
    if st then
        drop_state(r, st)
    end
    local name = service_name(req)
    local svc = view.get(name)
    if not svc then
        return json_error(404, "unknown_service", "no service named " .. tostring(name), name)
    end
    local addrs = var.upstream_addr
    if code == 500 then
        if not addrs or addrs == "" then
            return json_error(503, "no_available_node",
                              "service " .. name .. " has no available node", name)
        end
        return json_error(502, "upstream_unavailable",
                          "every node tried for service " .. name .. " failed", name)
    end
    -- the last try failed in nginx itself: account it like a retry would
    local last = addrs and addrs:match("([^,%s]+)%s*$")
    local node = last and svc.by_hostport[last]
    if node then
        stats.finish(node, svc.shared_inflight)
        health.failed(svc, node)
    end
    if code == 504 then
        return json_error(504, "upstream_timeout", "node " .. tostring(last) .. " of service "
                          .. name .. " timed out", name)
    end
    return json_error(502, "upstream_unavailable", "every node tried for service " .. name
                      .. " failed", name)
end

return _M
