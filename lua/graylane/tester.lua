-- Signed tester cookies: "<service>.<expiryUnix>.<hex hmac-sha256>" where the
-- HMAC covers "<service>.<expiryUnix>.<cookie name>" with the key from
-- GRAYLANE_TESTER_KEY (written by the launcher to <prefix>/tester.key). The
-- cookie name is the one the service's gray rule reads now (a new one per
-- release and per renewed link), so a link or cookie made for an earlier
-- name stops working. nginx's Lua has only hmac_sha1, so HMAC-SHA256 comes
-- from OpenSSL's libcrypto through the FFI.
local ffi = require "ffi"
local util = require "graylane.util"
local validate = require "graylane.validate"
local config = require "graylane.config"

local ngx = ngx
local ngx_now = ngx.now
local tonumber = tonumber
local type = type
local ipairs = ipairs

local _M = {}

local MAX_AHEAD = 24 * 3600
local DEFAULT_COOKIE = validate.DEFAULT_TESTER_COOKIE

pcall(ffi.cdef, [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,
                    const unsigned char *d, size_t n, unsigned char *md,
                    unsigned int *md_len);
]])

local crypto
do
    -- nginx is linked with libcrypto, so its symbols are usually in the process
    local ok = pcall(function() return ffi.C.HMAC end)
    if ok then
        crypto = ffi.C
    else
        for _, lib in ipairs({ "crypto", "libcrypto.so.3", "libcrypto.so.1.1" }) do
            local lok, l = pcall(ffi.load, lib)
            if lok then
                crypto = l
                break
            end
        end
    end
end

local md_buf = ffi.new("unsigned char[64]")
local md_len = ffi.new("unsigned int[1]")

function _M.hmac_sha256_hex(key, msg)
    if not crypto then
        return nil, "libcrypto not available"
    end
    local r = crypto.HMAC(crypto.EVP_sha256(), key, #key, msg, #msg, md_buf, md_len)
    if r == nil then
        return nil, "HMAC failed"
    end
    return util.to_hex(ffi.string(md_buf, md_len[0]))
end

-- Splits "<service>.<exp>.<sig>": service, exp as a number, sig, exp as signed text;
-- nil, reason when malformed
-- or made for another service.
local function parse(value, service)
    if type(value) ~= "string" or #value > 200 then
        return nil, "malformed"
    end
    local svc, exp, sig = value:match("^(.+)%.(%d+)%.(%x+)$")
    if not svc or not validate.name(svc) or #sig ~= 64 then
        return nil, "malformed"
    end
    if service and svc ~= service then
        return nil, "wrong service"
    end
    return svc, tonumber(exp), sig, exp
end

local function in_window(expn, now)
    if expn <= now then
        return nil, "expired"
    end
    if expn > now + MAX_AHEAD then
        return nil, "expiry more than 24h ahead"
    end
    return true
end

local function signed(key, svc, exp, cookie, sig)
    local want, err = _M.hmac_sha256_hex(key, svc .. "." .. exp .. "." .. cookie)
    if not want then
        return nil, err
    end
    if not util.secure_equals(sig:lower(), want) then
        return nil, "bad signature"
    end
    return true
end

-- Returns service, expiry when the value is a valid, unexpired tester value for
-- `service` (any service when nil) signed for the cookie name `cookie`; nil,
-- reason otherwise.
function _M.check(value, service, cookie)
    local key = config.tester_key
    if not key then
        return nil, "no tester key is configured (GRAYLANE_TESTER_KEY)"
    end
    if type(cookie) ~= "string" then
        return nil, "no tester cookie name"
    end
    local svc, expn, sig, exp = parse(value, service)
    if not svc then
        return nil, expn
    end
    local ok, why = in_window(expn, ngx_now())
    if not ok then
        return nil, why
    end
    ok, why = signed(key, svc, exp, cookie, sig)
    if not ok then
        return nil, why
    end
    return svc, expn
end

-- Per-request check in the balancer: was `value` of the cookie named `cookie`
-- signed for `service` and that name, and is it in its time window? `memo` is a
-- table owned by the compiled gray rule (gray.lua), so it lives as long as one
-- version of the service: it remembers each value's signature verdict (expiry,
-- or false) and the window is compared per request, so the HMAC runs once per
-- value per worker and state version. Bounded: cleared when full.
local MEMO_MAX = 1024

function _M.new_memo()
    return { n = 0, seen = {} }
end

function _M.verify(value, service, cookie, memo)
    local seen = memo.seen
    local expn = seen[value]
    if expn == nil then
        local key = config.tester_key
        if not key or type(cookie) ~= "string" then
            return false
        end
        local svc, e, sig, exp = parse(value, service)
        expn = svc and signed(key, svc, exp, cookie, sig) and e or false
        if memo.n >= MEMO_MAX then
            seen = {}
            memo.seen = seen
            memo.n = 0
        end
        seen[value] = expn
        memo.n = memo.n + 1
    end
    return expn and in_window(expn, ngx_now()) or false
end

-- The tester cookie name the service's gray rule reads now; nil when it has no
-- tester rule (no release open) or the service does not exist. From the
-- worker's decoded state (required lazily: gray.lua requires this module).
local function current_cookie(service)
    local svc = service and require("graylane.view").get(service)
    return svc and svc.gray_rule.tester_cookie
end

local json = util.send_json

-- A refused link opened in a browser gets a small page in the reader's language instead of
-- the JSON an API client gets. Nothing from the request is echoed into it.
local PAGES = {
    en = {
        [400] = { "This tester link is incomplete",
                  "Part of the link is missing. Copy the whole link again, or ask the person running the release for a new one." },
        [403] = { "This tester link no longer works",
                  "This tester link has been replaced or has expired. Ask the person running the release for a new one." },
        home = "Continue to the site without tester access",
    },
    ["zh-CN"] = {
        [400] = { "此测试链接不完整",
                  "链接缺少部分内容。请重新复制完整的链接，或向负责本次发布的人索取新的链接。" },
        [403] = { "此测试链接已失效",
                  "此测试链接已被替换或已过期。请向负责本次发布的人索取新的链接。" },
        home = "不使用测试权限，继续访问网站",
    },
}

-- Media ranges or language tags of an Accept-style header with their q values, in order.
local function ranked(header)
    local out = {}
    if type(header) ~= "string" then
        return out
    end
    for item in header:sub(1, 1024):gmatch("[^,]+") do
        local name = item:match("^%s*([^;%s]+)")
        if name then
            local q = tonumber(item:match(";%s*[qQ]%s*=%s*([%d.]+)")) or 1
            out[#out + 1] = { name = name:lower(), q = q }
        end
    end
    return out
end

-- q of `mime` under an Accept header: the most specific range that matches it (type/sub,
-- type/*, */*); no header accepts everything.
local function accept_q(accept, mime)
    if #accept == 0 then
        return 1
    end
    local major = mime:match("^[^/]+")
    local best, spec = 0, -1
    for _, r in ipairs(accept) do
        local s = (r.name == mime and 2) or (r.name == major .. "/*" and 1) or (r.name == "*/*" and 0) or -1
        if s > spec then
            best, spec = r.q, s
        end
    end
    return best
end

-- HTML only for a client that prefers it to JSON (a browser); API clients, curl and a client
-- that sends no Accept keep the JSON error.
local function wants_html(header)
    local accept = ranked(header)
    return accept_q(accept, "text/html") > accept_q(accept, "application/json")
end

-- zh-CN when a Chinese tag ranks above every English one in Accept-Language; English otherwise.
local function language(header)
    local best, best_q = "en", 0
    for _, r in ipairs(ranked(header)) do
        local primary = r.name:match("^(%a+)")
        local lang = (primary == "zh" and "zh-CN") or (primary == "en" and "en") or nil
        if lang and r.q > best_q then
            best, best_q = lang, r.q
        end
    end
    return best
end

local function refuse(status, err)
    local var = ngx.var
    if not wants_html(var.http_accept) then
        return json(status, { error = err })
    end
    local lang = language(var.http_accept_language)
    local text = PAGES[lang]
    local title, body = text[status][1], text[status][2]
    ngx.status = status
    ngx.header["Content-Type"] = "text/html; charset=utf-8"
    ngx.header["Content-Language"] = lang
    ngx.header["Cache-Control"] = "no-store"
    ngx.header["Vary"] = "Accept, Accept-Language"
    ngx.header["X-Content-Type-Options"] = "nosniff"
    ngx.header["Referrer-Policy"] = "no-referrer"
    ngx.header["Content-Security-Policy"] =
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ngx.print('<!doctype html>\n<html lang="', lang, '"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex"><title>', title, '</title>',
        '<style>body{font-family:system-ui,sans-serif;margin:0;background:#f8fafc;color:#0f172a}',
        'main{max-width:32rem;margin:15vh auto;padding:1.5rem;background:#fff;border:1px solid #e2e8f0;border-radius:.5rem}',
        'h1{font-size:1.25rem;margin:0 0 .75rem}p{line-height:1.5}a{color:#0369a1}</style></head>',
        '<body><main><h1>', title, '</h1><p>', body, '</p><p><a href="/">', text.home, '</a></p></main></body></html>\n')
    return ngx.exit(status)
end

-- GET /__graylane/tester?service=&exp=&sig= : validates, sets the cookie, redirects to /.
function _M.enter()
    local args = ngx.req.get_uri_args(10)
    local service, exp, sig = args.service, args.exp, args.sig
    if type(service) ~= "string" or type(exp) ~= "string" or type(sig) ~= "string" then
        return refuse(400, { code = "missing_param", field = "service",
                             message = "service, exp and sig are required" })
    end
    local value = service .. "." .. exp .. "." .. sig
    local cookie = validate.name(service) and current_cookie(service)
    local ok, why
    if cookie then
        ok, why = _M.check(value, service, cookie)
    else
        why = "the service has no tester access (no open release)"
    end
    if not ok then
        return refuse(403, { code = "invalid_tester_link", field = "sig",
                             message = "tester link rejected: " .. tostring(why) })
    end
    local max_age = tonumber(exp) - math.floor(ngx_now())
    ngx.header["Set-Cookie"] = cookie .. "=" .. value
        .. "; Path=/; Max-Age=" .. max_age .. "; HttpOnly; SameSite=Lax"
    ngx.header["Cache-Control"] = "no-store"
    return ngx.redirect("/", 302)
end

-- GET /__graylane/leave[?service=] : clears the tester cookie, redirects to /.
function _M.leave()
    local service = ngx.var.arg_service
    if service and not validate.name(service) then
        service = nil
    end
    ngx.header["Set-Cookie"] = (current_cookie(service) or DEFAULT_COOKIE)
        .. "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
    ngx.header["Cache-Control"] = "no-store"
    return ngx.redirect("/", 302)
end

return _M
