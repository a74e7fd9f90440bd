-- Signed tester cookies: "<service>.<expiryUnix>.<hex hmac-sha256>" where the
-- HMAC covers "<service>.<expiryUnix>" with the key from GRAYLANE_TESTER_KEY
-- (written by the launcher to <prefix>/tester.key). nginx's Lua has only
-- hmac_sha1, so HMAC-SHA256 comes from OpenSSL's libcrypto through the FFI.
local ffi = require "ffi"
local util = require "graylane.util"
local validate = require "graylane.validate"
local config = require "graylane.config"

local ngx = ngx
local ngx_now = ngx.now
local tonumber = tonumber
local str_format = string.format
local str_byte = string.byte

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

local function to_hex(s)
    return (s:gsub(".", function(c)
        return str_format("%02x", str_byte(c))
    end))
end

function _M.hmac_sha256_hex(key, msg)
    if not crypto then
        return nil, "libcrypto not available"
    end
    local r = crypto.HMAC(crypto.EVP_sha256(), key, #key, msg, #msg, md_buf, md_len)
    if r == nil then
        return nil, "HMAC failed"
    end
    return to_hex(ffi.string(md_buf, md_len[0]))
end

-- Returns service, expiry when the value is a valid, unexpired cookie for
-- `service` (any service when nil); nil, reason otherwise.
function _M.check(value, service)
    local key = config.tester_key
    if not key then
        return nil, "no tester key is configured (GRAYLANE_TESTER_KEY)"
    end
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
    local expn = tonumber(exp)
    local now = ngx_now()
    if expn <= now then
        return nil, "expired"
    end
    if expn > now + MAX_AHEAD then
        return nil, "expiry more than 24h ahead"
    end
    local want, err = _M.hmac_sha256_hex(key, svc .. "." .. exp)
    if not want then
        return nil, err
    end
    if not util.secure_equals(sig:lower(), want) then
        return nil, "bad signature"
    end
    return svc, expn
end

function _M.verify(value, service)
    return _M.check(value, service) ~= nil
end

local function cookie_name_for(service)
    local st = service and require("graylane.store").get(service)
    local t = st and st.gray and st.gray.tester
    if type(t) == "table" and t.cookie then
        return t.cookie
    end
    return DEFAULT_COOKIE
end

local function json(status, body)
    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.header["Cache-Control"] = "no-store"
    ngx.say(util.encode(body))
    return ngx.exit(status)
end

-- GET /__graylane/tester?service=&exp=&sig= : validates, sets the cookie, redirects to /.
function _M.enter()
    local args = ngx.req.get_uri_args(10)
    local service, exp, sig = args.service, args.exp, args.sig
    if type(service) ~= "string" or type(exp) ~= "string" or type(sig) ~= "string" then
        return json(400, { error = { code = "missing_param", field = "service",
                                     message = "service, exp and sig are required" } })
    end
    local value = service .. "." .. exp .. "." .. sig
    local ok, why = _M.check(value, service)
    if not ok then
        return json(403, { error = { code = "invalid_tester_link", field = "sig",
                                     message = "tester link rejected: " .. tostring(why) } })
    end
    local max_age = tonumber(exp) - math.floor(ngx_now())
    ngx.header["Set-Cookie"] = cookie_name_for(service) .. "=" .. value
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
    ngx.header["Set-Cookie"] = cookie_name_for(service)
        .. "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
    ngx.header["Cache-Control"] = "no-store"
    return ngx.redirect("/", 302)
end

return _M
