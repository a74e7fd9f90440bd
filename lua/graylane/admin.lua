-- The admin API (its own listener). Every call is authenticated, every write
-- is validated in full before anything is stored, and writes are serialised by
-- a lock in the shared dict so concurrent calls on different workers cannot
-- lose each other's changes.
local util = require "graylane.util"
local validate = require "graylane.validate"
local store = require "graylane.store"
local stats = require "graylane.stats"
local config = require "graylane.config"
local contract = require "graylane.contract"
local report = require "graylane.report"
local metrics = require "graylane.metrics"
local healthcheck = require "graylane.healthcheck"

local ngx = ngx
local var = ngx.var
local ngx_now = ngx.now
local tostring = tostring
local tonumber = tonumber
local concat = table.concat
local array = util.array
local null = util.null

local STATE = ngx.shared.graylane_state

local _M = {}

local SIMPLE -- uri -> handler of the routes without a path parameter (set below)
local BRIEF_WRITES = { ["/upstream_add"] = true, ["/upstream_remove"] = true }

local send = util.send_json

local CHUNK = 256 * 1024

-- A 200 with a body already rendered (JSON or text), never cached. A big
-- body (a 10k-node /metrics is ~20 MB) goes out a chunk at a time, waiting
-- for each to be written, so the worker serves proxied requests in between
-- instead of copying it all in one go.
local function send_text(body, content_type)
    ngx.status = 200
    ngx.header["Content-Type"] = content_type
    ngx.header["Cache-Control"] = "no-store"
    local n = #body
    if n <= CHUNK then
        ngx.print(body)
    else
        ngx.header["Content-Length"] = n
        for i = 1, n, CHUNK do
            ngx.print(body:sub(i, i + CHUNK - 1))
            local ok, err = ngx.flush(true)
            if not ok then
                ngx.log(ngx.INFO, "graylane: admin response cut off: ", err)
                return ngx.exit(ngx.OK)
            end
        end
    end
    return ngx.exit(200)
end

local function send_error(status, code, message, field, extra)
    local e = { code = code, message = message, field = field }
    if extra then
        for k, v in pairs(extra) do
            e[k] = v
        end
    end
    return send(status, { error = e })
end

-- err: { code, message, field, status? } from validate/store
local function send_err(err, status)
    return send_error(err.status or status or 400, err.code, err.message, err.field)
end

-- The stored state of a service plus read-only runtime fields per node.
local function present(st, inflight)
    inflight = inflight or stats.inflight_map()
    local checked = st.health and st.health.check
    for i = 1, #st.nodes do
        local n = st.nodes[i]
        local key = st.name .. "|" .. n.addr
        n.ejected_until = ngx.shared.graylane_stats:get("ej:" .. key) or null
        n.in_flight = stats.inflight(key, inflight)
        if checked then
            report.add_active(n, key)
        end
        report.tick()
    end
    return st
end

local function send_service(status, st)
    return send(status, present(st), { ETag = '"' .. st.version .. '"' })
end

-- Managed services (managed_by set by the portal's pushes): a write needs
-- X-Graylane-Manager: <managed_by> or force. A forced write by someone else
-- keeps managed_by and revision as stored, so the portal sees the same
-- revision with different content: drift, which it shows and repairs.
local function manager_header()
    local h = ngx.req.get_headers()["x-graylane-manager"]
    if type(h) == "table" then
        h = h[1]
    end
    return h
end

local function managed_err(name, manager)
    local msg
    if manager == "portal" then
        msg = "service " .. name .. " is managed by the Graylane portal: change it in the portal or through"
            .. " its automation API (/api/v1/releases), or repeat with force=1 for an emergency change"
            .. " (the portal will show it as drift)"
    else
        msg = "service " .. name .. " is managed by " .. manager .. ": change it there, or repeat with"
            .. " force=1 for an emergency change (" .. manager .. " will see it as drift)"
    end
    return { status = 409, code = "managed_by_portal", field = "managed_by", message = msg }
end

-- true when the caller is the service's manager (or it has none)
local function is_manager(cur)
    local m = cur and cur.managed_by
    return m == nil or m == null or manager_header() == m
end

local function check_managed(cur, force)
    if force or is_manager(cur) then
        return true
    end
    return nil, managed_err(cur.name, cur.managed_by)
end

local function force_requested(body)
    local a = var.arg_force
    if a == "1" or a == "true" then
        return true
    end
    return type(body) == "table" and body.force == true
end

-- If-Match: <version> (optionally quoted); nil when absent.
local function if_match()
    local h = ngx.req.get_headers()["if-match"]
    if h == nil then
        return nil
    end
    if type(h) == "table" then
        h = h[1]
    end
    -- we answer If-Match ourselves; nginx's not_modified filter would otherwise
    -- compare it with the new ETag of our response and turn a success into 412
    ngx.req.clear_header("If-Match")
    local v = h:match('^%s*"?(%d+)"?%s*$')
    if not v then
        return false
    end
    return tonumber(v)
end

local function check_if_match(cur)
    local want = if_match()
    if want == false then
        return nil, { status = 400, code = "invalid_if_match", field = "If-Match",
                      message = "If-Match must be a version number" }
    end
    if want ~= nil then
        local have = cur and cur.version or 0
        if want ~= have then
            return nil, { status = 412, code = "version_mismatch", field = "If-Match",
                          message = "the service is at version " .. have .. ", not " .. want }
        end
    end
    return true
end

local function too_large_err()
    return { status = 413, code = "body_too_large", message = "body over " .. config.body_limit .. " bytes" }
end


local function read_json_body()
    local len = tonumber(var.content_length or "")
    if len and len > config.body_limit then
        return nil, too_large_err()
    end
    ngx.req.read_body()
    local data = ngx.req.get_body_data()
    if not data then
        if ngx.req.get_body_file() then
            return nil, too_large_err()
        end
        return nil, { status = 400, code = "invalid_json", field = "body", message = "a JSON body is required" }
    end
    if #data > config.body_limit then
        return nil, too_large_err()
    end
    local obj, err = util.decode(data)
    if obj == nil then
        return nil, { status = 400, code = "invalid_json", field = "body",
                      message = "malformed JSON: " .. tostring(err) }
    end
    if not util.is_object(obj) then
        return nil, { status = 400, code = "invalid_body", field = "body", message = "body must be a JSON object" }
    end
    return obj
end

-- Runs fn under the write lock. fn returns (changes, info, result) or (nil, err).
-- Returns result, or nil, err.
local function mutate(fn)
    local locked, lerr = store.lock()
    if not locked then
        return nil, lerr
    end
    local ok, changes, info, result = pcall(fn)
    if not ok then
        store.unlock()
        ngx.log(ngx.ERR, "graylane: admin change failed: ", changes)
        return nil, { status = 500, code = "internal", message = "internal error" }
    end
    if not changes then
        store.unlock()
        return nil, info
    end
    local cok, cres, cerr = pcall(store.commit, changes, info)
    store.unlock()
    if not cok then
        ngx.log(ngx.ERR, "graylane: commit failed: ", cres)
        return nil, { status = 500, code = "internal", message = "internal error" }
    end
    if not cres then
        return nil, cerr
    end
    return result
end

local function no_stable_err(name)
    return { status = 409, code = "no_stable_node", field = "nodes",
             message = "this change would leave service " .. name
                 .. " with no node able to take stable traffic; repeat with force to do it anyway" }
end

-- A change may not take away the last stable-capable node unless forced.
local function guard(before, after, force)
    if force then
        return true
    end
    if validate.has_stable(before) and not validate.has_stable(after) then
        return nil, no_stable_err(after.name)
    end
    return true
end

local function find_node(st, addr)
    for i = 1, #st.nodes do
        if st.nodes[i].addr == addr then
            return i, st.nodes[i]
        end
    end
    return nil
end

local function new_service(name)
    return { name = name, revision = null, algorithm = "round_robin", nodes = array(),
             gray = validate.default_gray(), health = validate.health(nil) }
end

local function bump(st, cur)
    st.version = (cur and cur.version or 0) + 1
    return st
end

local function action()
    return ngx.req.get_method() .. " " .. var.uri
end

------------------------------------------------------------------ handlers

-- The GET /v1/upstreams body and its node count, encoded service by service
-- (report.lua pauses as it goes, and keeps it for a big fleet).
local function render_list(names)
    local inflight = stats.inflight_map()
    local out, total = {}, 0
    for i = 1, #names do
        local st = store.get(names[i])
        if st then
            total = total + #st.nodes
            out[#out + 1] = report.encode_service(present(st, inflight))
        end
    end
    return '{"upstreams":[' .. concat(out, ",") .. "]}\n", total
end

local function get_service(name)
    local st = store.get(name)
    if not st then
        return send_error(404, "service_not_found", "no service named " .. name, "name")
    end
    return send_service(200, st)
end

-- Nodes a PUT adds (not those the service already has) follow the new-node policy.
local function new_nodes_allowed(cur, st)
    for i = 1, #st.nodes do
        local addr = st.nodes[i].addr
        if not (cur and find_node(cur, addr)) then
            local ok, why = validate.new_node_allowed(addr)
            if not ok then
                return nil, { status = 400, code = "invalid_addr", field = "nodes[" .. (i - 1) .. "].addr", message = why }
            end
        end
    end
    return true
end

local function put_service(name)
    local body, err = read_json_body()
    if not body then
        return send_err(err)
    end
    local st
    st, err = validate.service(body, name)
    if not st then
        return send_err(err)
    end
    local force = force_requested(body)
    local created = false
    local result
    result, err = mutate(function()
        local cur = store.get(name)
        local ok, gerr = check_if_match(cur)
        if not ok then
            return nil, gerr
        end
        ok, gerr = check_managed(cur, force)
        if not ok then
            return nil, gerr
        end
        ok, gerr = new_nodes_allowed(cur, st)
        if not ok then
            return nil, gerr
        end
        if not is_manager(cur) then
            -- forced by someone else: the service stays the manager's
            st.managed_by, st.revision = cur.managed_by, cur.revision
        end
        ok, gerr = guard(cur, st, force)
        if not ok then
            return nil, gerr
        end
        created = cur == nil
        bump(st, cur)
        return { { name = name, state = st } }, { action = action(), service = name, version = st.version }, st
    end)
    if not result then
        return send_err(err)
    end
    return send_service(created and 201 or 200, result)
end

-- Inside mutate(): the current state of an existing service whose version
-- matches If-Match (when given).
local function load_existing(name)
    local cur = store.get(name)
    if not cur then
        return nil, { status = 404, code = "service_not_found", field = "name", message = "no service named " .. name }
    end
    local ok, err = check_if_match(cur)
    if not ok then
        return nil, err
    end
    return cur
end

local function delete_service(name)
    local force = force_requested(nil)
    local result, err = mutate(function()
        local cur, lerr = load_existing(name)
        if not cur then
            return nil, lerr
        end
        local ok, merr = check_managed(cur, force)
        if not ok then
            return nil, merr
        end
        return { { name = name, state = false } }, { action = action(), service = name },
            { name = name, deleted = true, version = cur.version }
    end)
    if not result then
        return send_err(err)
    end
    return send(200, result)
end

-- Shared by POST/PATCH/DELETE on nodes: load, check If-Match, apply, guard, bump.
local function change_service(name, apply, force)
    local result, err = mutate(function()
        local cur, lerr = load_existing(name)
        if not cur then
            return nil, lerr
        end
        local ok, merr = check_managed(cur, force)
        if not ok then
            return nil, merr
        end
        local nxt, aerr = apply(store.get(name)) -- a private copy to modify
        if not nxt then
            return nil, aerr
        end
        ok, aerr = validate.node_count(name, #nxt.nodes, #cur.nodes)
        if not ok then
            return nil, aerr
        end
        local gerr
        ok, gerr = guard(cur, nxt, force)
        if not ok then
            return nil, gerr
        end
        bump(nxt, cur)
        return { { name = name, state = nxt } }, { action = action(), service = name, version = nxt.version }, nxt
    end)
    if not result then
        return send_err(err)
    end
    return result
end

local function post_node(name)
    local body, err = read_json_body()
    if not body then
        return send_err(err)
    end
    local force = force_requested(body)
    body.force = nil
    local node
    node, err = validate.node(body, "")
    if not node then
        return send_err(err)
    end
    local allowed, why = validate.new_node_allowed(node.addr)
    if not allowed then
        return send_error(400, "invalid_addr", why, "addr")
    end
    local st = change_service(name, function(nxt)
        if find_node(nxt, node.addr) then
            return nil, { status = 409, code = "node_exists", field = "addr",
                          message = "node " .. node.addr .. " is already in service " .. name }
        end
        nxt.nodes[#nxt.nodes + 1] = node
        return nxt
    end, force)
    return send_service(201, st)
end

local function parse_path_addr(raw)
    local a, msg = validate.parse_addr(raw)
    if not a then
        return send_error(400, "invalid_addr", msg, "addr")
    end
    return a.addr
end

local function patch_node(name, raw_addr)
    local addr = parse_path_addr(raw_addr)
    local body, err = read_json_body()
    if not body then
        return send_err(err)
    end
    local patch
    patch, err = validate.node_patch(body)
    if not patch then
        return send_err(err)
    end
    local st = change_service(name, function(nxt)
        local _, n = find_node(nxt, addr)
        if not n then
            return nil, { status = 404, code = "node_not_found", field = "addr",
                          message = "node " .. addr .. " is not in service " .. name }
        end
        if patch.weight ~= nil then n.weight = patch.weight end
        if patch.state ~= nil then n.state = patch.state end
        if patch.backup ~= nil then n.backup = patch.backup end
        return nxt
    end, force_requested(body))
    return send_service(200, st)
end

local function delete_node(name, raw_addr)
    local addr = parse_path_addr(raw_addr)
    local st = change_service(name, function(nxt)
        local i = find_node(nxt, addr)
        if not i then
            return nil, { status = 404, code = "node_not_found", field = "addr",
                          message = "node " .. addr .. " is not in service " .. name }
        end
        table.remove(nxt.nodes, i)
        return nxt
    end, force_requested(nil))
    return send_service(200, st)
end

---------------------------------------------------------- brief-compatible

local function brief_view(st)
    local servers = array()
    for i = 1, #st.nodes do
        servers[i] = st.nodes[i].addr
    end
    present(st)
    return { upstream = st.name, version = st.version, count = #servers, servers = servers, nodes = st.nodes }
end

local function brief_add()
    local name, server = var.arg_upstream, var.arg_server
    if not name or name == "" then
        return send_error(400, "missing_param", "upstream is required", "upstream")
    end
    if not validate.name(name) then
        return send_error(400, "invalid_name", "upstream must match " .. validate.NAME_RULE, "upstream")
    end
    if not server or server == "" then
        return send_error(400, "missing_param", "server is required", "server")
    end
    local a, msg = validate.parse_addr(ngx.unescape_uri(server))
    if not a then
        return send_error(400, "invalid_addr", msg, "server")
    end
    local allowed, why = validate.new_node_allowed(a.addr)
    if not allowed then
        return send_error(400, "invalid_addr", why, "server")
    end
    local weight = 1
    if var.arg_weight then
        weight = tonumber(var.arg_weight)
        if not util.is_integer(weight) or weight < contract.WEIGHT_MIN or weight > contract.WEIGHT_MAX then
            return send_error(400, "invalid_weight", "weight must be an integer " .. contract.WEIGHT_MIN
                              .. "-" .. contract.WEIGHT_MAX, "weight")
        end
    end
    local force = force_requested(nil)
    local result, err = mutate(function()
        local cur = store.get(name)
        local ok, merr = check_managed(cur, force)
        if not ok then
            return nil, merr
        end
        local nxt = cur and store.get(name) or new_service(name)
        if find_node(nxt, a.addr) then
            return nil, { status = 409, code = "node_exists", field = "server",
                          message = "node " .. a.addr .. " is already in upstream " .. name }
        end
        nxt.nodes[#nxt.nodes + 1] = { addr = a.addr, weight = weight, state = "active", backup = false }
        ok, merr = validate.node_count(name, #nxt.nodes, cur and #cur.nodes)
        if not ok then
            return nil, merr
        end
        bump(nxt, cur)
        return { { name = name, state = nxt } }, { action = "upstream_add", service = name, version = nxt.version }, nxt
    end)
    if not result then
        return send_err(err)
    end
    return send(200, brief_view(result))
end

local function brief_remove()
    local name, server = var.arg_upstream, var.arg_server
    if not server or server == "" then
        return send_error(400, "missing_param", "server is required", "server")
    end
    local a, msg = validate.parse_addr(ngx.unescape_uri(server))
    if not a then
        return send_error(400, "invalid_addr", msg, "server")
    end
    if name == "" then
        name = nil
    end
    if name and not validate.name(name) then
        return send_error(400, "invalid_name", "upstream must match " .. validate.NAME_RULE, "upstream")
    end
    local force = force_requested(nil)
    local result, err = mutate(function()
        local names = name and { name } or store.names()
        local changes, removed = {}, array()
        for i = 1, #names do
            local cur = store.get(names[i])
            if cur then
                local nxt = store.get(names[i])
                local idx = find_node(nxt, a.addr)
                if idx then
                    -- one managed service refuses the whole call: nothing changes
                    local ok, merr = check_managed(cur, force)
                    if not ok then
                        return nil, merr
                    end
                    table.remove(nxt.nodes, idx)
                    local ok, gerr = guard(cur, nxt, force)
                    if not ok then
                        return nil, gerr
                    end
                    bump(nxt, cur)
                    changes[#changes + 1] = { name = names[i], state = nxt }
                    removed[#removed + 1] = { upstream = names[i], version = nxt.version }
                end
            elseif name then
                return nil, { status = 404, code = "service_not_found", field = "upstream",
                              message = "no upstream named " .. name }
            end
        end
        if #changes == 0 then
            return nil, { status = 404, code = "node_not_found", field = "server",
                          message = "node " .. a.addr .. " is not in " .. (name and ("upstream " .. name) or "any upstream") }
        end
        local svc_names = {}
        for i = 1, #removed do
            svc_names[i] = removed[i].upstream
        end
        return changes, { action = "upstream_remove", service = concat(svc_names, ","), node = a.addr },
            { server = a.addr, removed_from = removed }
    end)
    if not result then
        return send_err(err)
    end
    return send(200, result)
end

local function brief_list()
    local name = var.arg_upstream
    if name and name ~= "" then
        if not validate.name(name) then
            return send_error(400, "invalid_name", "upstream must match " .. validate.NAME_RULE, "upstream")
        end
        local st = store.get(name)
        if not st then
            return send_error(404, "service_not_found", "no upstream named " .. name, "upstream")
        end
        return send(200, brief_view(st))
    end
    local out = array()
    local names = store.names()
    for i = 1, #names do
        local st = store.get(names[i])
        if st then
            out[#out + 1] = brief_view(st)
        end
    end
    return send(200, { upstreams = out })
end

------------------------------------------------------------ stats / status

local function nginx_version()
    local v = ngx.config.nginx_version
    return string.format("%d.%d.%d", math.floor(v / 1000000), math.floor(v / 1000) % 1000, v % 1000)
end

local function status_doc()
    local started = store.started() or ngx_now()
    local pids = array(stats.worker_pids())
    return {
        gateway_id = config.gateway_id,
        server = config.server,
        nginx_version = nginx_version(),
        ngx_lua_version = ngx.config.ngx_lua_version,
        workers = ngx.worker.count(),
        worker_pids = pids,
        started_at = started,
        uptime = ngx_now() - started,
        state_dir = config.state_dir,
        state_file = config.state_file,
        state_version = store.version(),
        services = #store.names(),
        last_change = store.last_change() or null,
        tester_key = config.tester_key and true or false,
        health_prober_pid = healthcheck.prober() or null,
        quarantined = store.quarantined(),
    }
end

------------------------------------------------------------------ routing

local function authorized()
    local token = config.admin_token
    if not token then
        return false
    end
    local h = ngx.req.get_headers()["authorization"]
    if type(h) == "table" then
        h = h[1]
    end
    if type(h) ~= "string" then
        return false
    end
    local given = h:match("^[Bb]earer%s+(.+)$")
    return given ~= nil and util.secure_equals(given, token)
end

local function method_not_allowed(allowed)
    return send(405, { error = { code = "method_not_allowed", message = "use " .. allowed } },
                { Allow = allowed })
end

local function route_service(method, name, rest)
    if not validate.name(name) then
        return send_error(400, "invalid_name", "service name must match " .. validate.NAME_RULE, "name")
    end
    if rest == nil or rest == "" then
        if method == "GET" then
            return get_service(name)
        elseif method == "PUT" then
            return put_service(name)
        elseif method == "DELETE" then
            return delete_service(name)
        end
        return method_not_allowed("GET, PUT, DELETE")
    end
    if rest == "/nodes" or rest == "/nodes/" then
        if method == "POST" then
            return post_node(name)
        end
        return method_not_allowed("POST")
    end
    local addr = rest:match("^/nodes/(.+)$")
    if addr then
        if method == "PATCH" then
            return patch_node(name, addr)
        elseif method == "DELETE" then
            return delete_node(name, addr)
        end
        return method_not_allowed("PATCH, DELETE")
    end
    return send_error(404, "not_found", "no such route")
end

local function get_stats()
    local service = var.arg_service
    if service ~= nil then
        if not validate.name(service) then
            return send_error(400, "invalid_name", "service must match " .. validate.NAME_RULE, "service")
        end
    end
    return send_text(report.stats(service), "application/json")
end

SIMPLE = {
    ["/v1/stats"] = get_stats,
    ["/v1/status"] = function() return send(200, status_doc()) end,
    ["/metrics"] = function()
        return send_text(metrics.text(), "text/plain; version=0.0.4; charset=utf-8")
    end,
    ["/upstream_add"] = brief_add,
    ["/upstream_remove"] = brief_remove,
    ["/upstream_list"] = brief_list,
}

function _M.handle()
    if not authorized() then
        return send(401, { error = { code = "unauthorized",
                                     message = "missing or wrong Authorization: Bearer token" } },
                    { ["WWW-Authenticate"] = 'Bearer realm="graylane"' })
    end
    local method = ngx.req.get_method()
    local uri = var.uri
    local is_get = method == "GET" or method == "HEAD"

    if uri == "/v1/upstreams" or uri == "/v1/upstreams/" then
        if not is_get then
            return method_not_allowed("GET")
        end
        return send_text(report.configuration("upstreams", render_list), "application/json")
    end
    local name, rest = uri:match("^/v1/upstreams/([^/]+)(.*)$")
    if name then
        return route_service(method, name, rest)
    end
    local h = SIMPLE[uri]
    if h then
        -- the brief's writes take GET only: HEAD must not change anything
        if not is_get or (method == "HEAD" and BRIEF_WRITES[uri]) then
            return method_not_allowed("GET")
        end
        return h()
    end
    return send_error(404, "not_found", "no such route: " .. uri)
end

-- error_page 413 of the admin server (body over client_max_body_size)
function _M.too_large()
    return send_error(413, "body_too_large", "body over the size limit")
end

_M._test = { guard = guard }

return _M
