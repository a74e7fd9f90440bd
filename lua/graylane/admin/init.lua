-- The admin API (its own listener): authentication and routing. Every call
-- needs the admin token; the handlers live by resource:
--   admin/upstreams.lua  the JSON API of services and nodes (/v1/upstreams…)
--   admin/compat.lua     the brief's calls (/upstream_add, _remove, _list)
--   admin/status.lua     /v1/status, /v1/stats, /metrics
-- Every write is validated in full before anything is stored, and writes are
-- serialised by a lock in the shared dict (admin/write.lua) so concurrent
-- calls on different workers cannot lose each other's changes.
local util = require "graylane.util"
local validate = require "graylane.validate"
local config = require "graylane.config"
local http = require "graylane.admin.http"
local upstreams = require "graylane.admin.upstreams"
local compat = require "graylane.admin.compat"
local status = require "graylane.admin.status"

local ngx = ngx
local var = ngx.var

local send, send_error, method_not_allowed = http.send, http.send_error, http.method_not_allowed

local _M = {}

-- uri -> { METHOD = handler, allow = <Allow header of a 405> }
local function reads(h)
    return { GET = h, HEAD = h, allow = "GET" }
end
local ROUTES = {
    ["/v1/upstreams"] = reads(upstreams.list),
    ["/v1/upstreams/"] = reads(upstreams.list),
    ["/v1/summary"] = reads(upstreams.summary),
    ["/v1/stats"] = reads(status.stats),
    ["/v1/status"] = reads(status.status),
    ["/metrics"] = reads(status.metrics),
    -- the brief's writes take GET only: HEAD must not change anything
    ["/upstream_add"] = { GET = compat.add, allow = "GET" },
    ["/upstream_remove"] = { GET = compat.remove, allow = "GET" },
    ["/upstream_list"] = reads(compat.list),
}

-- Below /v1/upstreams/{name}: pattern of the rest of the path -> methods;
-- handlers get (name, the pattern's capture or match).
local SERVICE_ROUTES = {
    { "^$", { GET = upstreams.get, PUT = upstreams.put, DELETE = upstreams.delete, allow = "GET, PUT, DELETE" } },
    { "^/nodes/?$", { POST = upstreams.post_node, allow = "POST" } },
    { "^/nodes/(.+)$", { PATCH = upstreams.patch_node, DELETE = upstreams.delete_node, allow = "PATCH, DELETE" } },
}

local function authorized()
    local token = config.admin_token
    if not token then
        return false
    end
    local given = http.bearer_token()
    return given ~= nil and util.secure_equals(given, token)
end

local function dispatch(methods, method, ...)
    local h = methods[method]
    if not h then
        return method_not_allowed(methods.allow)
    end
    return h(...)
end

local function route_service(method, name, rest)
    if not validate.name(name) then
        return send_error(400, "invalid_name", "service name must match " .. validate.NAME_RULE, "name")
    end
    for i = 1, #SERVICE_ROUTES do
        local r = SERVICE_ROUTES[i]
        local m = rest:match(r[1])
        if m then
            return dispatch(r[2], method, name, m)
        end
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
    local methods = ROUTES[uri]
    if methods then
        return dispatch(methods, method)
    end
    local name, rest = uri:match("^/v1/upstreams/([^/]+)(.*)$")
    if name then
        return route_service(method, name, rest)
    end
    return send_error(404, "not_found", "no such route: " .. uri)
end

-- error_page 413 of the admin server (body over client_max_body_size)
function _M.too_large()
    return send_error(413, "body_too_large", "body over the size limit")
end

return _M
