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
local bor = bit.bor
local lshift = bit.lshift

local _M = {}

local function ip4_of(b)
    local b1, b2, b3, b4 = str_byte(b, 1, 4)
    return bor(lshift(b1, 24), lshift(b2, 16), lshift(b3, 8), b4)
end

-- A parsed CIDR (validate.parse_cidr) made ready for matching, once per
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

-- IPv6 (or any compiled CIDR) against a binary address
local function in_cidr(bin, c)
    if #bin ~= c.nbytes then
        return false
    end
    local full = c.full
    if full > 0 and str_sub(bin, 1, full) ~= c.prefix then
        return false
    end
    local mask = c.mask
    return mask == 0 or band(str_byte(bin, full + 1), mask) == c.last
end

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
            local ip4 = #bin == 4 and ip4_of(bin)
            for i = 1, #cidrs do
                local c = cidrs[i]
                local net4 = c.net4
                if net4 then
                    if ip4 and band(ip4, c.mask4) == net4 then
                        return true
                    end
                elseif in_cidr(bin, c) then
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
