-- Request-attribute rules of a gray rule (gray.match, gray.percent_key;
-- docs/design.md, "Gray rule"), compiled once per service version by gray.lua
-- and tested per request by gray.match(). Kept apart from gray.lua for size.
--
-- A list of values becomes a Lua hash set (one table lookup per request,
-- whatever the list's length); a prefix is compared on its bytes. Headers are
-- read the way gray.lua reads its fixed header (the request's header lines,
-- fetched once, where nginx's $http_ means the first line; else the
-- variable); a cookie is nginx's $cookie_<name>. A query argument is nginx's
-- $arg_<name> (the first argument of that name, name case-insensitive),
-- percent-decoded when it holds a '%'; only rules that name one read it.
local ffi = require "ffi"
local calls = require "graylane.balancer.calls"

local ngx = ngx
local var_str = calls.var
local variable = calls.variable
local ffi_str = ffi.string
local str_lower = string.lower
local str_sub = string.sub
local str_find = string.find
local unescape_uri = ngx.unescape_uri

local _M = {}

-- {source, name, values | prefix} (or a percent_key {source, name}) made
-- ready for read() and test().
function _M.compile_rule(m, scan_lines, own_header_vars, header_key)
    local out = { source = m.source }
    if m.source == "header" then
        local key = str_lower(m.name):gsub("-", "_")
        out.var = variable("http_" .. key)
        if scan_lines and not own_header_vars[key] then
            out.key = header_key(key)
            out.scan = true
        end
    elseif m.source == "cookie" then
        out.var = variable("cookie_" .. m.name)
    else
        out.var = variable("arg_" .. m.name)
    end
    if m.values then
        local set = {}
        for i = 1, #m.values do
            set[m.values[i]] = true
        end
        out.set = set
    elseif m.prefix then
        out.prefix = m.prefix
        out.plen = #m.prefix
    end
    return out
end

-- The request's value for a compiled rule (a string) or nil. n: the header
-- lines gray.lua fetched (-1: none, read the variable); req: the request.
function _M.read(r, n, find_header, req)
    local key = r.key
    if key and n >= 0 then
        local v = find_header(n, key)
        return v and ffi_str(v.data, v.len)
    end
    local v = var_str(req, r.var)
    if v and r.source == "query" and str_find(v, "%", 1, true) then
        v = unescape_uri(v)
    end
    return v
end

function _M.test(r, v)
    if not v then
        return false
    end
    local set = r.set
    if set then
        return set[v] == true
    end
    return #v >= r.plen and str_sub(v, 1, r.plen) == r.prefix
end

return _M
