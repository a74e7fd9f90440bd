-- Self-enrollment (issue 15): a gateway started with GRAYLANE_PORTAL_URL and
-- GRAYLANE_ENROLL_TOKEN registers itself with the portal on start:
--   POST <portal>/api/v1/gateways/enroll   Authorization: Bearer <enroll token>
--   {"name", "adminUrl", "adminToken", "group", "proxyUrl"}
-- from one worker, on a timer, over a cosocket (works in any nginx.conf that includes
-- openresty/include/*, no Node needed), retried with backoff until the portal says yes.
--
-- init() runs in init_by_lua (master) after config.init: when no admin token is configured,
-- a per-gateway one is generated from /dev/urandom on the first start and kept in
-- <state_dir>/admin.token (mode 0600), so a restart re-enrolls with the same token.
--
-- Settings (nginx.conf needs `env NAME;` for each, see openresty/include/graylane-main.conf):
--   GRAYLANE_PORTAL_URL          http(s)://portal[:port]          (both needed to enroll)
--   GRAYLANE_ENROLL_TOKEN        gle_…
--   GRAYLANE_GATEWAY_ADMIN_URL   how the portal reaches this admin API (required to enroll)
--   GRAYLANE_GATEWAY_NAME        default <hostname>-<admin port>
--   GRAYLANE_GATEWAY_GROUP       default "default"
--   GRAYLANE_GATEWAY_PROXY_URL   optional, for tester links
--   GRAYLANE_PORTAL_TLS_VERIFY   "0" skips certificate checks (https portal; default verify,
--                                which needs lua_ssl_trusted_certificate)
local config = require "graylane.config"
local util = require "graylane.util"
local ipaddr = require "graylane.ip"
local cjson = require "cjson.safe"

local ngx = ngx
local ngx_log = ngx.log
local ngx_ERR, ngx_WARN, ngx_NOTICE = ngx.ERR, ngx.WARN, ngx.NOTICE
local timer_at = ngx.timer.at
local os_getenv = os.getenv
local str_lower = string.lower
local tonumber = tonumber
local math_min, math_random = math.min, math.random

local _M = {}

local MIN_TOKEN_LENGTH = 16
local TOKEN_FILE = "admin.token"
local BACKOFF_FIRST, BACKOFF_MAX = 1, 60
local CONNECT_TIMEOUT, SEND_TIMEOUT, READ_TIMEOUT = 3000, 5000, 15000
local ENROLL_PATH = "/api/v1/gateways/enroll"

-- filled in init (master), inherited by the workers; nil: not enrolling
local settings

-- One structured line per event: graylane.enroll {"event":…}
local function log(level, event, fields)
    fields = fields or {}
    fields.event = event
    ngx_log(level, "graylane.enroll ", cjson.encode(fields))
end

local function env(name)
    local v = os_getenv(name)
    if v then
        v = v:gsub("^%s+", ""):gsub("%s+$", "")
    end
    if v == "" then
        return nil
    end
    return v
end

-- scheme, host, port, path of an http(s) URL; nil, err otherwise
local function parse_url(url)
    local scheme, rest = url:match("^(https?)://(.+)$")
    if not scheme then
        return nil, "not an http:// or https:// URL: " .. url
    end
    local authority, path = rest:match("^([^/]+)(.*)$")
    if not authority then
        return nil, "no host in " .. url
    end
    local host, port = authority:match("^%[(.+)%]:?(%d*)$")
    if not host then
        host, port = authority:match("^([^:]+):?(%d*)$")
    end
    if not host then
        return nil, "bad host in " .. url
    end
    port = tonumber(port) or (scheme == "https" and 443 or 80)
    path = path:gsub("/+$", "")
    return { scheme = scheme, host = str_lower(host), port = port, path = path }
end

local function dechunk(body)
    local out, pos = {}, 1
    while true do
        local size_hex, after = body:match("^(%x+)[^\r\n]*\r\n()", pos)
        if not size_hex then
            return nil, "bad chunked body"
        end
        local size = tonumber(size_hex, 16)
        if size == 0 then
            return table.concat(out)
        end
        out[#out + 1] = body:sub(after, after + size - 1)
        pos = after + size + 2
    end
end

-- status, body of the HTTP response text; nil, err
local function parse_response(raw)
    local head, body = raw:match("^(.-)\r\n\r\n(.*)$")
    if not head then
        return nil, "no complete HTTP response"
    end
    local status = tonumber(head:match("^HTTP/1%.[01] (%d%d%d)"))
    if not status then
        return nil, "bad status line"
    end
    if str_lower(head):find("\ntransfer%-encoding:%s*chunked") then
        local err
        body, err = dechunk(body)
        if not body then
            return nil, err
        end
    end
    return status, body
end

-- One HTTP/1.1 POST with Connection: close; status, body or nil, err.
local function post(url, bearer, payload)
    local u = url
    local sock = ngx.socket.tcp()
    sock:settimeouts(CONNECT_TIMEOUT, SEND_TIMEOUT, READ_TIMEOUT)
    local addr = u.host:match("^[%d.]+$") and u.host or u.host:find(":", 1, true) and u.host or ipaddr.read_hosts()[u.host] or u.host
    local ok, err = sock:connect(addr, u.port)
    if not ok then
        return nil, "connect " .. u.host .. ":" .. u.port .. ": " .. tostring(err)
    end
    if u.scheme == "https" then
        ok, err = sock:sslhandshake(nil, u.host, os_getenv("GRAYLANE_PORTAL_TLS_VERIFY") ~= "0")
        if not ok then
            sock:close()
            return nil, "TLS handshake with " .. u.host .. ": " .. tostring(err)
        end
    end
    local hostport = (u.host:find(":", 1, true) and "[" .. u.host .. "]" or u.host) .. ":" .. u.port
    local req = "POST " .. u.path .. ENROLL_PATH .. " HTTP/1.1\r\n" ..
        "Host: " .. hostport .. "\r\n" ..
        "Authorization: Bearer " .. bearer .. "\r\n" ..
        "Content-Type: application/json\r\n" ..
        "User-Agent: graylane-gateway\r\n" ..
        "Connection: close\r\n" ..
        "Content-Length: " .. #payload .. "\r\n\r\n" .. payload
    local raw
    raw, err = util.exchange(sock, req, "*a")
    if not raw then
        return nil, err
    end
    return parse_response(raw)
end

local function attempt(premature, n)
    if premature then
        return
    end
    local s = settings
    local payload = cjson.encode({
        name = s.name, adminUrl = s.admin_url, adminToken = config.admin_token,
        group = s.group, proxyUrl = s.proxy_url or "",
    })
    local status, body = post(s.portal, s.enroll_token, payload)
    if status == 200 or status == 201 then
        local doc = cjson.decode(body) or {}
        local gw = type(doc.gateway) == "table" and doc.gateway or {}
        log(ngx_NOTICE, "enrolled", {
            name = s.name, group = gw.group or s.group, created = doc.created == true,
            portal = s.portal_text, attempt = n,
        })
        return
    end
    -- 4xx will not fix itself soon (revoked token, name taken, bad setting): back off to
    -- the maximum at once; 5xx and network errors: exponential backoff.
    local code, message
    if status then
        local doc = cjson.decode(body or "")
        local e = type(doc) == "table" and type(doc.error) == "table" and doc.error or {}
        code, message = e.code, e.message
    end
    local delay = (status and status < 500) and BACKOFF_MAX or math_min(BACKOFF_MAX, BACKOFF_FIRST * 2 ^ (n - 1))
    delay = delay * (0.8 + 0.4 * math_random())
    log(status and status < 500 and ngx_ERR or ngx_WARN, "enroll_failed", {
        name = s.name, portal = s.portal_text, attempt = n, status = status,
        code = code, error = message or (not status and body) or nil,
        retry_in_s = math.floor(delay * 10) / 10,
    })
    local ok, err = timer_at(delay, attempt, n + 1)
    if not ok and err ~= "process exiting" then
        log(ngx_ERR, "timer_failed", { error = err })
    end
end

-- The admin token of an enrolling gateway without a configured one: kept in the state dir.
local function ensure_admin_token()
    if config.admin_token then
        return true
    end
    local file = config.state_dir .. "/" .. TOKEN_FILE
    local token = util.read_file(file)
    token = token and token:gsub("%s+", "")
    if not token or #token < MIN_TOKEN_LENGTH then
        local err
        token, err = util.random_hex(32)
        if not token then
            return nil, err
        end
        local ok, werr = util.write_atomic(file, token .. "\n", 384) -- 0600
        if not ok then
            return nil, werr
        end
        log(ngx_NOTICE, "admin_token_generated", { file = file })
    end
    config.admin_token = token
    return true
end

local function default_name(admin)
    local host = util.read_file("/proc/sys/kernel/hostname") or os_getenv("HOSTNAME") or "gateway"
    host = host:gsub("%s+", ""):gsub("[^A-Za-z0-9._-]", "-")
    return (host .. "-" .. admin.port):sub(1, 64)
end

-- init_by_lua (master), after config.init.
function _M.init()
    settings = nil
    local portal_text, enroll_token = env("GRAYLANE_PORTAL_URL"), env("GRAYLANE_ENROLL_TOKEN")
    if not portal_text and not enroll_token then
        return
    end
    if not portal_text or not enroll_token then
        log(ngx_ERR, "not_configured", { error = "set both GRAYLANE_PORTAL_URL and GRAYLANE_ENROLL_TOKEN to enroll" })
        return
    end
    local portal, err = parse_url(portal_text)
    if not portal then
        log(ngx_ERR, "not_configured", { error = "GRAYLANE_PORTAL_URL: " .. err })
        return
    end
    local admin_text = env("GRAYLANE_GATEWAY_ADMIN_URL")
    local admin = admin_text and parse_url(admin_text)
    if not admin then
        log(ngx_ERR, "not_configured", {
            error = "set GRAYLANE_GATEWAY_ADMIN_URL to the URL the portal reaches this gateway's admin API at, e.g. http://10.0.0.5:6000",
        })
        return
    end
    local ok, terr = ensure_admin_token()
    if not ok then
        log(ngx_ERR, "not_configured", { error = "cannot create the admin token: " .. tostring(terr) })
        return
    end
    settings = {
        portal = portal,
        portal_text = portal_text,
        enroll_token = enroll_token,
        admin_url = admin_text,
        name = env("GRAYLANE_GATEWAY_NAME") or default_name(admin),
        group = env("GRAYLANE_GATEWAY_GROUP") or "default",
        proxy_url = env("GRAYLANE_GATEWAY_PROXY_URL"),
    }
end

-- init_worker_by_lua: worker 0 enrolls (on every start and reload: idempotent).
function _M.init_worker()
    if not settings or ngx.worker.id() ~= 0 then
        return
    end
    local ok, err = timer_at(0, attempt, 1)
    if not ok then
        log(ngx_ERR, "timer_failed", { error = err })
    end
end

return _M
