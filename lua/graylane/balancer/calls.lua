-- The nginx calls of the request path, made directly through the FFI functions
-- that lua-resty-core's wrappers (ngx.var, ngx.balancer, ngx.shared.DICT:get)
-- call, with the request pointer the caller already holds and buffers
-- allocated once: the wrappers' own argument checks and lookups cost about
-- as much as the C side of these calls. Declarations come from resty.core,
-- except nginx's own ngx_http_get_variable and ngx_hash_key (below).
local ffi = require "ffi"
local base = require "resty.core.base"
require "resty.core.var"
require "resty.core.shdict"
require "ngx.balancer"

local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local tonumber = tonumber
local str_lower = string.lower

local _M = {}

local errmsg = base.get_errmsg_ptr()

-- Variable reads. ngx_http_lua_ffi_var_get lowercases and hashes the name on
-- every call (for an 18-byte name about half of what the read costs); nginx
-- exports ngx_http_get_variable, which that function calls with the
-- lowercase name and its hash, so a name made once by _M.variable() goes to
-- it directly. Where the symbols are not reachable through ffi.C (an nginx
-- built without exported symbols) the lua-nginx-module call is used.
pcall(ffi.cdef, [[
typedef struct {
    unsigned len:28;
    unsigned valid:1;
    unsigned no_cacheable:1;
    unsigned not_found:1;
    unsigned escape:1;
    unsigned char *data;
} graylane_variable_value_t;
graylane_variable_value_t *ngx_http_get_variable(ngx_http_request_t *r, ngx_str_t *name,
                                                 uintptr_t key);
uintptr_t ngx_hash_key(const unsigned char *data, size_t len);
]])

local direct = pcall(function()
    return C.ngx_http_get_variable ~= nil and C.ngx_hash_key ~= nil
end)
_M.direct_variables = direct

local value_ptr = ffi_new("unsigned char *[1]")
local value_len = ffi_new("size_t[1]")

-- A variable name (read lowercase, as ngx.var does) made ready for var() and
-- var_bytes(): its ngx_str_t and hash key. `via_module`: read it through
-- lua-nginx-module's call anyway (test/gateway/variables.test.ts compares both).
function _M.variable(name, via_module)
    name = str_lower(name)
    local v = { name = name, direct = direct and not via_module }
    if not v.direct then
        v.lowcase_buf = ffi_new("char[?]", #name)
    else
        local data = ffi_new("unsigned char[?]", #name)
        ffi.copy(data, name, #name)
        v.data = data -- the ngx_str_t points into it: keep it alive
        v.str = ffi_new("ngx_str_t", { #name, data })
        v.key = C.ngx_hash_key(data, #name)
    end
    return v
end

-- the value's address and length (valid during this handler), or nil, 0
local function var_bytes(r, v)
    if v.direct then
        local vv = C.ngx_http_get_variable(r, v.str, v.key)
        if vv == nil or vv.not_found == 1 then
            return nil, 0
        end
        return vv.data, vv.len
    end
    local name = v.name
    local rc = C.ngx_http_lua_ffi_var_get(r, name, #name, v.lowcase_buf, 0, value_ptr,
                                          value_len, errmsg)
    if rc == 0 then
        return value_ptr[0], tonumber(value_len[0])
    end
    return nil, 0
end
_M.var_bytes = var_bytes

-- ngx.var[name] for a variable of _M.variable()
function _M.var(r, v)
    local p, len = var_bytes(r, v)
    if p then
        return ffi_str(p, len)
    end
    return nil
end

-- ngx.balancer.set_current_peer(ip, port): true, or nil and the error
function _M.set_current_peer(r, ip, port)
    if C.ngx_http_lua_ffi_balancer_set_current_peer(r, ip, #ip, port, errmsg) == 0 then
        return true
    end
    return nil, ffi_str(errmsg[0])
end

-- ngx.balancer.set_more_tries(n): true, or nil and the error
function _M.set_more_tries(r, n)
    if C.ngx_http_lua_ffi_balancer_set_more_tries(r, n, errmsg) == 0 then
        return true
    end
    return nil, ffi_str(errmsg[0])
end

-- A number stored in a shared dict (nil when absent or not a number); `zone`
-- from _M.zone(ngx.shared.NAME).
local value_type = ffi_new("int[1]")
local num_value = ffi_new("double[1]")
local user_flags = ffi_new("int[1]")
local is_stale = ffi_new("int[1]")
local str_buf = ffi_new("unsigned char[64]")
local str_value_buf = ffi_new("unsigned char *[1]")
local str_value_len = ffi_new("size_t[1]")

function _M.zone(dict)
    return C.ngx_http_lua_ffi_shdict_udata_to_zone(dict[1])
end

function _M.dict_number(zone, key)
    str_value_buf[0] = str_buf
    str_value_len[0] = 64
    local rc = C.ngx_http_lua_ffi_shdict_get(zone, key, #key, value_type, str_value_buf,
                                             str_value_len, num_value, user_flags, 0,
                                             is_stale, errmsg)
    if rc ~= 0 or value_type[0] ~= 3 then -- 3: LUA_TNUMBER
        if rc == 0 and value_type[0] == 4 and str_value_buf[0] ~= str_buf then
            C.free(str_value_buf[0]) -- a long string the call allocated
        end
        return nil
    end
    return tonumber(num_value[0])
end

return _M
