-- Decides whether a request is gray traffic for a service. Evaluated only when
-- the service has a gray node and a rule; each check is a variable read.
local tester = require "graylane.tester"
local bit = require "bit"

local ngx = ngx
local var = ngx.var
local crc32 = ngx.crc32_short
local str_byte = string.byte
local str_sub = string.sub
local band = bit.band
local lshift = bit.lshift

local _M = {}

local function in_cidr(bin, c)
    local nbytes = c.family == 4 and 4 or 16
    if #bin ~= nbytes then
        return false
    end
    local full = c.bits / 8
    full = full - full % 1
    if full > 0 and str_sub(bin, 1, full) ~= str_sub(c.bytes, 1, full) then
        return false
    end
    local rest = c.bits - full * 8
    if rest == 0 then
        return true
    end
    local mask = band(lshift(0xff, 8 - rest), 0xff)
    return band(str_byte(bin, full + 1), mask) == str_byte(c.bytes, full + 1)
end
_M.in_cidr = in_cidr

-- Stable per client: the same IP always lands on the same side of percent.
function _M.client_hash(st)
    local h = st.hash
    if not h then
        h = crc32(var.remote_addr or "")
        st.hash = h
    end
    return h
end

function _M.match(svc, st)
    local g = svc.gray_rule
    if g.header_var then
        local v = var[g.header_var]
        if v and v == g.header_value then
            return true
        end
    end
    if g.cookie_var then
        local v = var[g.cookie_var]
        if v and v == g.cookie_value then
            return true
        end
    end
    if g.tester_var then
        local v = var[g.tester_var]
        if v and tester.verify(v, svc.name, g.tester_cookie, g.tester_memo) then
            return true
        end
    end
    local cidrs = g.cidrs
    if cidrs then
        local bin = var.binary_remote_addr
        if bin then
            for i = 1, #cidrs do
                if in_cidr(bin, cidrs[i]) then
                    return true
                end
            end
        end
    end
    if g.percent100 > 0 then
        if _M.client_hash(st) % 10000 < g.percent100 then
            return true
        end
    end
    return false
end

return _M
