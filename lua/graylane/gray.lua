-- Decides whether a request is gray traffic for a service. Evaluated only when
-- the service has a gray node and a rule.
--
-- Header and cookie rules mean what nginx's $http_<name> and $cookie_<name>
-- mean (nginx <= 1.22: the first matching header line; the first matching
-- cookie of the Cookie lines, name case-insensitive). A header variable costs
-- ~0.5k instructions (the prefix variables tried, then the header lines
-- scanned), so a header rule is checked on the request's header lines
-- themselves, fetched once through the FFI call ngx.req.get_headers uses (no
-- Lua table built). Header names nginx serves from a variable of its own
-- ($http_host, $http_cookie, ...), and nginx >= 1.23 (which joins repeated
-- header lines), read the variable instead. Cookies are read as
-- $cookie_<name> (nginx's own parser): a Cookie line parsed in Lua made
-- LuaJIT leave the request's trace for the interpreter (+2.8k instructions).
local tester = require "graylane.tester"
local ip = require "graylane.ip"
local util = require "graylane.util"
require "resty.core.request" -- declares ngx_http_lua_ffi_req_get_headers*
local ffi = require "ffi"
local bit = require "bit"
local calls = require "graylane.balancer.calls"
local attr = require "graylane.gray_attr"

local ngx = ngx
local C = ffi.C
local ffi_new = ffi.new
local ffi_str = ffi.string
local var_bytes = calls.var_bytes
local var_str = calls.var
local variable = calls.variable
local crc32 = ngx.crc32_short
local str_byte = string.byte
local str_sub = string.sub
local str_lower = string.lower
local str_format = string.format
local get_request = require("resty.core.base").get_request
local band = bit.band
local bor = bit.bor
local lshift = bit.lshift

pcall(ffi.cdef, "int memcmp(const void *s1, const void *s2, size_t n);")

local _M = {}

local function ip4_of(b)
    local b1, b2, b3, b4 = str_byte(b, 1, 4)
    return bor(lshift(b1, 24), lshift(b2, 16), lshift(b3, 8), b4)
end

-- A parsed CIDR (ip.parse_cidr) made ready for matching, once per
-- compiled rule: IPv4 becomes a 32-bit network and mask (one AND per
-- request); IPv6 keeps its whole-byte prefix and the mask of the partial byte.
function _M.compile_cidr(c)
    local bits = c.bits
    local full = (bits - bits % 8) / 8
    local rest = bits - full * 8
    local out = {
        text = c.text,
        nbytes = c.family == 4 and 4 or 16,
        full = full,
        prefix = str_sub(c.bytes, 1, full),
        mask = rest > 0 and band(lshift(0xff, 8 - rest), 0xff) or 0,
        last = str_byte(c.bytes, full + 1) or 0,
    }
    if c.family == 4 then
        out.net4 = ip4_of(c.bytes)
        out.mask4 = bits == 0 and 0 or lshift(-1, 32 - bits)
    end
    return out
end

-- Up to this many IPv4 CIDRs are tested by one generated expression, no
-- loop: a loop on the request path can keep LuaJIT from compiling balance()
-- as one trace (a root trace aborts at an inner loop it has not yet seen
-- left, and the function is blacklisted after enough aborts). Longer lists
-- loop; their loop gets a trace of its own.
local UNROLL4 = 32

-- function(ip4) -> whether the 32-bit address is in one of the CIDRs
local function ipv4_matcher(list)
    if #list > UNROLL4 then
        return function(ip4)
            for i = 1, #list do
                local c = list[i]
                if band(ip4, c.mask4) == c.net4 then
                    return true
                end
            end
            return false
        end
    end
    local terms = {}
    for i = 1, #list do
        terms[i] = str_format("band(ip4, %d) == %d", list[i].mask4, list[i].net4)
    end
    local src = "local band = ... return function(ip4) return " .. table.concat(terms, " or ")
        .. " end"
    return assert(load(src, "=gray_cidrs4"))(band)
end

-- $http_<name> variables nginx defines itself (not the generic header lookup)
local OWN_HEADER_VARS = {
    host = true, user_agent = true, referer = true, via = true, x_forwarded_for = true,
    cookie = true,
}
-- the header lines are scanned here only where $http_ means "first line"
local SCAN = (ngx.config and ngx.config.nginx_version or 0) < 1023000

-- a header key for find_header: its length, text and a memo of raw names
local function header_key(s)
    return { n = #s, str = s, memo = {}, nmemo = 0 }
end

-- The gray rule of a service (its stored `gray` object) compiled for match().
function _M.compile(g)
    local null = util.null
    local out = { any = false, scan = false }
    if g.header ~= null and g.header then
        -- the variable's name: lowercase, '-' read as '_'
        local key = str_lower(g.header.name):gsub("-", "_")
        out.header_var = variable("http_" .. key)
        out.header_value = g.header.value
        if SCAN and not OWN_HEADER_VARS[key] then
            out.header_key = header_key(key)
            out.scan = true
        end
        out.any = true
    end
    if g.cookie ~= null and g.cookie then
        out.cookie_var = variable("cookie_" .. g.cookie.name)
        out.cookie_value = g.cookie.value
        out.scan = out.scan or SCAN
        out.any = true
    end
    if g.tester ~= null and g.tester then
        out.tester_cookie = g.tester.cookie
        out.tester_var = variable("cookie_" .. g.tester.cookie)
        -- checked tester values, for as long as this version of the service lives
        out.tester_memo = tester.new_memo()
        out.scan = out.scan or SCAN
        out.any = true
    end
    local cidrs = g.cidrs or {}
    if #cidrs > 0 then
        local v4, v6 = {}, {}
        for i = 1, #cidrs do
            local c = _M.compile_cidr(ip.parse_cidr(cidrs[i]))
            if c.net4 then
                v4[#v4 + 1] = c
            else
                v6[#v6 + 1] = c
            end
        end
        out.match4 = #v4 > 0 and ipv4_matcher(v4) or nil
        out.cidrs6 = #v6 > 0 and v6 or nil
        out.any = true
    end
    if g.match and g.match ~= null and #g.match > 0 then
        out.rules = {}
        for i = 1, #g.match do
            local r = attr.compile_rule(g.match[i], SCAN, OWN_HEADER_VARS, header_key)
            out.rules[i] = r
            out.scan = out.scan or r.scan
        end
        out.any = true
    end
    if g.percent_key and g.percent_key ~= null then
        out.percent_key = attr.compile_rule(g.percent_key, SCAN, OWN_HEADER_VARS, header_key)
        out.scan = out.scan or out.percent_key.scan
    end
    -- in hundredths of a percent, a whole number (1.1 * 100 is 110.00000000000001)
    out.percent100 = math.floor((g.percent or 0) * 100 + 0.5)
    if out.percent100 > 0 then
        out.any = true
    end
    return out
end

-- The request's header lines (raw names), fetched into one reused array, when
-- there are at most MAX_LINES of them (else the rules read variables).
local MAX_LINES = 24
local lines = ffi_new("ngx_http_lua_ffi_table_elt_t[?]", MAX_LINES)
local truncated = ffi_new("int[1]")

-- how many lines are in `lines` now; -1 when there are more than MAX_LINES or
-- the call is refused (read variables)
local function fetch_lines(r)
    local n = C.ngx_http_lua_ffi_req_get_headers_count(r, 0, truncated)
    if n < 0 or n > MAX_LINES then
        return -1
    end
    if n > 0 then
        C.ngx_http_lua_ffi_req_get_headers(r, lines, n, 1)
    end
    return n
end

-- The raw header names seen for a key, and whether each is the key (A-Z
-- lowered, '-' read as '_'); bounded, so odd spellings cannot grow it.
local MEMO_MAX = 64

local function name_is(k, key)
    local raw = ffi_str(k.data, k.len)
    local memo = key.memo
    local m = memo[raw]
    if m == nil then
        m = (str_lower(raw):gsub("-", "_")) == key.str
        if key.nmemo < MEMO_MAX then
            memo[raw] = m
            key.nmemo = key.nmemo + 1
        end
    end
    return m
end

-- find_header(n, key): nginx's lookup of $http_<key> in the n fetched lines,
-- the value (ngx_str_t) of the first line whose name, with A-Z lowered and
-- '-' read as '_', is key; a name of the key's length is compared as one
-- string through a memo. Generated as straight-line code, one step per line:
-- a loop here made LuaJIT end balance()'s trace at it and run the rest of the
-- request in the interpreter whenever it looped (+1.5k to +2.9k instructions
-- per request with a browser's 11 header lines).
local find_header
do
    local src = { "local lines, name_is = ...\nreturn function(n, key)\nlocal klen = key.n\nlocal k\n" }
    for i = 0, MAX_LINES - 1 do
        src[#src + 1] = str_format("if n == %d then return nil end\nk = lines[%d].key\n"
            .. "if k.len == klen and name_is(k, key) then return lines[%d].value end\n", i, i, i)
    end
    src[#src + 1] = "return nil\nend\n"
    find_header = assert(load(table.concat(src), "=gray_find_header"))(lines, name_is)
end

-- whether the n fetched lines hold a Cookie line ($cookie_<name> is read only then)
local COOKIE = header_key("cookie")

local function equals(p, len, want)
    return len == #want and (len == 0 or C.memcmp(p, want, len) == 0)
end

local REMOTE_ADDR = variable("remote_addr")

-- Stable per client: the same IP always lands on the same side of percent
-- (and on the same ip_hash node). Once per request; $remote_addr is read
-- through calls.lua like every other variable on the request path.
function _M.client_hash(st)
    local h = st.hash
    if not h then
        h = crc32(var_str(get_request(), REMOTE_ADDR) or "")
        st.hash = h
    end
    return h
end

-- $binary_remote_addr against the compiled CIDRs: IPv4 read from the bytes
-- into one number, a string made only for an IPv6 address
local BINARY_REMOTE_ADDR = calls.variable("binary_remote_addr")

local function match_cidrs(req, g)
    local p, len = var_bytes(req, BINARY_REMOTE_ADDR)
    if not p then
        return false
    end
    if len == 4 then
        local m4 = g.match4
        return m4 ~= nil and m4(bor(lshift(p[0], 24), lshift(p[1], 16), lshift(p[2], 8), p[3]))
    end
    local cidrs = g.cidrs6
    if not cidrs then
        return false
    end
    local bin
    for i = 1, #cidrs do
        local c = cidrs[i]
        if len == c.nbytes then
            bin = bin or ffi_str(p, len)
            local full = c.full
            if full == 0 or str_sub(bin, 1, full) == c.prefix then
                local mask = c.mask
                if mask == 0 or band(str_byte(bin, full + 1), mask) == c.last then
                    return true
                end
            end
        end
    end
    return false
end

-- req: the request (resty.core.base.get_request())
function _M.match(svc, st, req)
    local g = svc.gray_rule
    local n = g.scan and fetch_lines(req) or -1
    if g.header_var then
        if g.header_key and n >= 0 then
            local v = find_header(n, g.header_key)
            if v and equals(v.data, v.len, g.header_value) then
                return true
            end
        else
            local p, len = var_bytes(req, g.header_var)
            if p and equals(p, len, g.header_value) then
                return true
            end
        end
    end
    if g.cookie_var or g.tester_var then
        -- a request without a Cookie line has no cookie (a variable that
        -- misses costs ~0.37k instructions)
        if n < 0 or find_header(n, COOKIE) then
            if g.cookie_var then
                local p, len = var_bytes(req, g.cookie_var)
                if p and equals(p, len, g.cookie_value) then
                    return true
                end
            end
            if g.tester_var then
                local v = var_str(req, g.tester_var)
                if v and tester.verify(v, svc.name, g.tester_cookie, g.tester_memo) then
                    return true
                end
            end
        end
    end
    local rules = g.rules
    if rules then
        for i = 1, #rules do
            local r = rules[i]
            if attr.test(r, attr.read(r, n, find_header, req)) then
                return true
            end
        end
    end
    if (g.match4 or g.cidrs6) and match_cidrs(req, g) then
        return true
    end
    if g.percent100 > 0 then
        local pk = g.percent_key
        -- a request without the key's value falls back to the client IP
        local v = pk and attr.read(pk, n, find_header, req)
        local h = (v and v ~= "") and crc32(v) or _M.client_hash(st)
        if h % 10000 < g.percent100 then
            return true
        end
    end
    return false
end

return _M
