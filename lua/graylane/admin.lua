-- The admin API (its own listener). Every call is authenticated, every write
-- is validated in full before anything is stored, and writes are serialised by
-- a lock in the shared dict so concurrent calls on different workers cannot
-- lose each other's changes.
local util = require "graylane.util"
local validate = require "graylane.validate"
local store = require "graylane.store"
local stats = require "graylane.stats"
local config = require "graylane.config"
local health = require "graylane.health"
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

local send = util.send_json

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

-- Active health check fields of a node (only for services with health.check).
local function add_active(out, key)
    local state, _, _, at, err = health.active(key)
    out.health = state
    out.health_checked_at = at or null
    out.health_error = err or null
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
            add_active(n, key)
        end
    end
    return st
end

local function send_service(status, st)
    return send(status, present(st), { ETag = '"' .. st.version .. '"' })
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

local function list_services()
    local names = store.names()
    local inflight = stats.inflight_map()
    local out = array()
    for i = 1, #names do
        local st = store.get(names[i])
        if st then
            out[#out + 1] = present(st, inflight)
        end
    end
    return out
end

local function get_service(name)
    local st = store.get(name)
    if not st then
        return send_error(404, "service_not_found", "no service named " .. name, "name")
    end
    return send_service(200, st)
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
    local result, err = mutate(function()
        local cur, lerr = load_existing(name)
        if not cur then
            return nil, lerr
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
        local nxt, aerr = apply(store.get(name)) -- a private copy to modify
        if not nxt then
            return nil, aerr
        end
        local ok, gerr = guard(cur, nxt, force)
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
        return send_error(400, "invalid_name", "upstream must match [A-Za-z0-9._-]{1,64}", "upstream")
    end
    if not server or server == "" then
        return send_error(400, "missing_param", "server is required", "server")
    end
    local a, msg = validate.parse_addr(ngx.unescape_uri(server))
    if not a then
        return send_error(400, "invalid_addr", msg, "server")
    end
    local weight = 1
    if var.arg_weight then
        weight = tonumber(var.arg_weight)
        if not util.is_integer(weight) or weight < 1 or weight > 100 then
            return send_error(400, "invalid_weight", "weight must be an integer 1-100", "weight")
        end
    end
    local result, err = mutate(function()
        local cur = store.get(name)
        local nxt = cur and store.get(name) or new_service(name)
        if find_node(nxt, a.addr) then
            return nil, { status = 409, code = "node_exists", field = "server",
                          message = "node " .. a.addr .. " is already in upstream " .. name }
        end
        nxt.nodes[#nxt.nodes + 1] = { addr = a.addr, weight = weight, state = "active", backup = false }
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
        return send_error(400, "invalid_name", "upstream must match [A-Za-z0-9._-]{1,64}", "upstream")
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
            return send_error(400, "invalid_name", "upstream must match [A-Za-z0-9._-]{1,64}", "upstream")
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

local function stats_doc()
    stats.flush()
    local inflight = stats.inflight_map()
    local I = stats.idx
    local now = ngx_now()
    local services = array()
    local names = store.names()
    for si = 1, #names do
        local st = store.get(names[si])
        if st then
            local nodes = array()
            local checked = st.health and st.health.check
            for i = 1, #st.nodes do
                local n = st.nodes[i]
                local key = st.name .. "|" .. n.addr
                local c = stats.read(key, inflight)
                local buckets, cum = array(), 0
                for b = 1, I.NB do
                    cum = cum + c[I.B0 + b - 1]
                    buckets[b] = { le = stats.BUCKETS[b] or "+Inf", count = cum }
                end
                local ej = c.ejected_until
                nodes[i] = {
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
                    add_active(nodes[i], key)
                end
            end
            services[#services + 1] = { name = st.name, version = st.version, algorithm = st.algorithm, nodes = nodes }
        end
    end
    return { generated_at = now, flush_interval = config.stats_flush, services = services }
end

local function prom_label(s)
    return (s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", "\\n"))
end

local function prom_num(v)
    if v == math.floor(v) then
        return string.format("%d", v)
    end
    return string.format("%.9g", v)
end

local function metrics_text()
    local doc = stats_doc()
    local out = {}
    local function add(s)
        out[#out + 1] = s
    end
    local defs = {
        { "graylane_node_requests_total", "counter", "Requests whose final try went to the node." },
        { "graylane_node_responses_total", "counter", "Responses by status class." },
        { "graylane_node_connect_failures_total", "counter", "Tries that failed to connect, timed out or were reset." },
        { "graylane_node_in_flight", "gauge", "Requests currently in flight to the node." },
        { "graylane_node_ejected", "gauge", "1 while the node is passively ejected." },
        { "graylane_node_healthy", "gauge", "Active health check: 1 healthy, 0 unhealthy (nodes with a check result only)." },
        { "graylane_node_upstream_latency_seconds", "histogram", "Upstream response time of the node." },
    }
    local rows = {}
    for _, svc in ipairs(doc.services) do
        for _, n in ipairs(svc.nodes) do
            rows[#rows + 1] = { l = 'service="' .. prom_label(svc.name) .. '",node="' .. prom_label(n.addr) .. '"', n = n }
        end
    end
    for _, d in ipairs(defs) do
        local metric = d[1]
        add("# HELP " .. metric .. " " .. d[3])
        add("# TYPE " .. metric .. " " .. d[2])
        for _, r in ipairs(rows) do
            local n, l = r.n, r.l
            if metric == "graylane_node_requests_total" then
                add(metric .. "{" .. l .. "} " .. prom_num(n.requests))
            elseif metric == "graylane_node_responses_total" then
                for _, cls in ipairs({ "1xx", "2xx", "3xx", "4xx", "5xx" }) do
                    add(metric .. "{" .. l .. ',class="' .. cls .. '"} ' .. prom_num(n.responses[cls]))
                end
            elseif metric == "graylane_node_connect_failures_total" then
                add(metric .. "{" .. l .. "} " .. prom_num(n.connect_failures))
            elseif metric == "graylane_node_in_flight" then
                add(metric .. "{" .. l .. "} " .. prom_num(n.in_flight))
            elseif metric == "graylane_node_ejected" then
                add(metric .. "{" .. l .. "} " .. (n.ejected and "1" or "0"))
            elseif metric == "graylane_node_healthy" then
                if n.health == "healthy" or n.health == "unhealthy" then
                    add(metric .. "{" .. l .. "} " .. (n.health == "healthy" and "1" or "0"))
                end
            else
                for _, b in ipairs(n.latency.buckets) do
                    local le = b.le == "+Inf" and "+Inf" or prom_num(b.le)
                    add(metric .. "_bucket{" .. l .. ',le="' .. le .. '"} ' .. prom_num(b.count))
                end
                add(metric .. "_sum{" .. l .. "} " .. prom_num(n.latency.sum))
                add(metric .. "_count{" .. l .. "} " .. prom_num(n.latency.count))
            end
        end
    end
    return concat(out, "\n") .. "\n"
end

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
        return send_error(400, "invalid_name", "service name must match [A-Za-z0-9._-]{1,64}", "name")
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
        return send(200, { upstreams = list_services() })
    end
    local name, rest = uri:match("^/v1/upstreams/([^/]+)(.*)$")
    if name then
        return route_service(method, name, rest)
    end
    local simple = {
        ["/v1/stats"] = function() return send(200, stats_doc()) end,
        ["/v1/status"] = function() return send(200, status_doc()) end,
        ["/metrics"] = function()
            local body = metrics_text()
            ngx.header["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
            ngx.print(body)
            return ngx.exit(200)
        end,
        ["/upstream_add"] = brief_add,
        ["/upstream_remove"] = brief_remove,
        ["/upstream_list"] = brief_list,
    }
    local h = simple[uri]
    if h then
        if not is_get then
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
