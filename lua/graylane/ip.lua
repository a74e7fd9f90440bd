-- Addresses as the gateway stores them: IPv4/IPv6 text <-> bytes, node
-- addresses ("host:port", canonicalised) and CIDRs. Pure parsing, no policy:
-- what may be stored is validate.lua's business. Failures return nil (and for
-- parse_addr a message naming the problem).
local bit = require "bit"

local type = type
local tonumber = tonumber
local unpack = unpack
local str_char = string.char
local str_byte = string.byte
local str_format = string.format
local concat = table.concat
local band = bit.band
local rshift = bit.rshift
local lshift = bit.lshift

local _M = {}

-- "a.b.c.d" -> 4-byte string (network order), or nil.
function _M.parse_ipv4(s)
    local a, b, c, d = s:match("^(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)%.(%d%d?%d?)$")
    if not a then
        return nil
    end
    local parts = { a, b, c, d }
    local out = {}
    for i = 1, 4 do
        local p = parts[i]
        if #p > 1 and p:sub(1, 1) == "0" then
            return nil -- leading zeros are ambiguous (octal in some parsers)
        end
        local n = tonumber(p)
        if n > 255 then
            return nil
        end
        out[i] = n
    end
    return str_char(out[1], out[2], out[3], out[4])
end

-- IPv6 text -> 16-byte string, or nil. Accepts "::" and a dotted IPv4 tail.
function _M.parse_ipv6(s)
    if type(s) ~= "string" or #s < 2 or #s > 45 or s:find("[^0-9A-Fa-f:.]") then
        return nil
    end
    local tail4
    local last = s:match(":([0-9.]+)$")
    if last and last:find("%.") then
        tail4 = _M.parse_ipv4(last)
        if not tail4 then
            return nil
        end
        s = s:sub(1, #s - #last) .. "0:0"
    end
    local head, rest = s, nil
    local dc = s:find("::", 1, true)
    if dc then
        if s:find("::", dc + 1, true) then
            return nil
        end
        head, rest = s:sub(1, dc - 1), s:sub(dc + 2)
    end
    local function groups(part)
        local out = {}
        if part == "" then
            return out
        end
        for g in (part .. ":"):gmatch("([^:]*):") do
            -- 1-4 hex digits: "1.2" would read as nil and silently vanish
            if #g < 1 or #g > 4 or g:find("[^0-9A-Fa-f]") then
                return nil
            end
            out[#out + 1] = tonumber(g, 16)
        end
        return out
    end
    local hg = groups(head)
    if not hg then
        return nil
    end
    local all
    if rest then
        local rg = groups(rest)
        if not rg then
            return nil
        end
        local fill = 8 - #hg - #rg
        if fill < 1 then
            return nil
        end
        all = hg
        for _ = 1, fill do
            all[#all + 1] = 0
        end
        for i = 1, #rg do
            all[#all + 1] = rg[i]
        end
    else
        if #hg ~= 8 then
            return nil
        end
        all = hg
    end
    local bytes = {}
    for i = 1, 8 do
        bytes[2 * i - 1] = rshift(all[i], 8)
        bytes[2 * i] = band(all[i], 255)
    end
    if tail4 then
        bytes[13], bytes[14], bytes[15], bytes[16] = str_byte(tail4, 1, 4)
    end
    return str_char(unpack(bytes))
end

-- 16 bytes -> RFC 5952 text (lowercase, longest zero run compressed).
function _M.format_ipv6(b)
    local g = {}
    for i = 1, 8 do
        local hi, lo = str_byte(b, 2 * i - 1, 2 * i)
        g[i] = lshift(hi, 8) + lo
    end
    local best_s, best_l, cur_s, cur_l = 0, 0, 0, 0
    for i = 1, 8 do
        if g[i] == 0 then
            if cur_l == 0 then
                cur_s = i
            end
            cur_l = cur_l + 1
            if cur_l > best_l then
                best_s, best_l = cur_s, cur_l
            end
        else
            cur_l = 0
        end
    end
    local parts = {}
    local i = 1
    while i <= 8 do
        if best_l >= 2 and i == best_s then
            parts[#parts + 1] = (i == 1) and ":" or ""
            i = i + best_l
            if i > 8 then
                parts[#parts + 1] = ""
            end
        else
            parts[#parts + 1] = str_format("%x", g[i])
            i = i + 1
        end
    end
    return concat(parts, ":")
end

function _M.format_ipv4(b)
    return str_format("%d.%d.%d.%d", str_byte(b, 1, 4))
end

local function valid_hostname(h)
    if #h < 1 or #h > 253 then
        return false
    end
    for label in (h .. "."):gmatch("([^.]*)%.") do
        if #label < 1 or #label > 63 or not label:find("^[A-Za-z0-9-]+$")
            or label:sub(1, 1) == "-" or label:sub(-1) == "-" then
            return false
        end
    end
    -- a name made only of digits and dots is a mistyped IPv4 address
    return not h:find("^[0-9.]+$")
end

local function parse_port(p)
    if not p or not p:find("^%d+$") or #p > 5 then
        return nil
    end
    local n = tonumber(p)
    if n < 1 or n > 65535 then
        return nil
    end
    return n
end

-- "host:port" -> { addr = canonical, host = ..., port = n, kind = "ipv4"|"ipv6"|"hostname" }
function _M.parse_addr(s)
    if type(s) ~= "string" or #s < 3 or #s > 270 then
        return nil, "addr must be a string host:port"
    end
    local v6, p6 = s:match("^%[([^%]]+)%]:(%d+)$")
    if v6 then
        local bytes = _M.parse_ipv6(v6)
        if not bytes then
            return nil, "invalid IPv6 address in " .. s
        end
        local port = parse_port(p6)
        if not port then
            return nil, "port must be 1-65535 in " .. s
        end
        local host = _M.format_ipv6(bytes)
        return { addr = "[" .. host .. "]:" .. port, host = host, port = port, kind = "ipv6", bytes = bytes }
    end
    local h, p = s:match("^([^:%[%]]+):([^:]*)$")
    if not h then
        return nil, "addr must look like 1.2.3.4:80, [::1]:80 or host.name:80"
    end
    local port = parse_port(p)
    if not port then
        return nil, "port must be 1-65535 in " .. s
    end
    if h:find("^[0-9.]+$") then
        local bytes = _M.parse_ipv4(h)
        if not bytes then
            return nil, "invalid IPv4 address in " .. s
        end
        local host = _M.format_ipv4(bytes)
        return { addr = host .. ":" .. port, host = host, port = port, kind = "ipv4", bytes = bytes }
    end
    if not valid_hostname(h) then
        return nil, "invalid hostname in " .. s
    end
    h = h:lower()
    return { addr = h .. ":" .. port, host = h, port = port, kind = "hostname" }
end

-- IPv4-mapped IPv6 (::ffff:a.b.c.d): 10 zero bytes, then ff ff
local V4_MAPPED = ("\0"):rep(10) .. "\255\255"

-- True for link-local addresses (169.254.0.0/16, fe80::/10, and 169.254/16
-- as IPv4-mapped IPv6, which reaches the same host on a dual-stack socket),
-- where cloud metadata services answer. a: a parse_addr result.
function _M.is_link_local(a)
    local b = a.bytes
    if b == nil then
        return false
    end
    if a.kind == "ipv6" and b:sub(1, 12) == V4_MAPPED then
        return str_byte(b, 13) == 169 and str_byte(b, 14) == 254
    end
    return (a.kind == "ipv4" and str_byte(b, 1) == 169 and str_byte(b, 2) == 254)
        or (a.kind == "ipv6" and str_byte(b, 1) == 0xfe and band(str_byte(b, 2), 0xc0) == 0x80)
end


-- "10.0.0.0/8" -> { text = canonical, family = 4|6, bytes = network, bits = n }
function _M.parse_cidr(s)
    if type(s) ~= "string" then
        return nil
    end
    local ip, bits = s:match("^([^/]+)/(%d+)$")
    if not ip then
        ip, bits = s, nil
    end
    local bytes, family, maxbits = _M.parse_ipv4(ip), 4, 32
    if not bytes then
        bytes, family, maxbits = _M.parse_ipv6(ip), 6, 128
    end
    if not bytes then
        return nil
    end
    local n = bits and tonumber(bits) or maxbits
    if n > maxbits or (bits and #bits > 3) then
        return nil
    end
    -- zero the host part so "10.1.2.3/8" means 10.0.0.0/8
    local out = {}
    for i = 1, #bytes do
        local keep = n - (i - 1) * 8
        local b = str_byte(bytes, i)
        if keep <= 0 then
            b = 0
        elseif keep < 8 then
            b = band(b, lshift(0xff, 8 - keep))
        end
        out[i] = b
    end
    local net = str_char(unpack(out))
    local text = (family == 4 and _M.format_ipv4(net) or _M.format_ipv6(net)) .. "/" .. n
    return { text = text, family = family, bytes = net, bits = n }
end

-- /etc/hosts as { name = address }: IPv4 as written, IPv6 in brackets ("[::1]"),
-- the first line naming a host wins; "localhost" is always 127.0.0.1. Used where
-- nginx's resolver is not (node addresses by name, the enrollment call).
function _M.read_hosts()
    local map = { localhost = "127.0.0.1" }
    local data = require("graylane.util").read_file("/etc/hosts")
    if not data then
        return map
    end
    for line in data:gmatch("[^\n]+") do
        line = line:gsub("#.*$", "")
        local addr, rest = line:match("^%s*(%S+)%s+(.+)$")
        if addr then
            for name in rest:gmatch("%S+") do
                name = name:lower()
                if not map[name] then
                    if _M.parse_ipv4(addr) then
                        map[name] = addr
                    else
                        local v6 = _M.parse_ipv6(addr)
                        if v6 and name ~= "localhost" then
                            map[name] = "[" .. _M.format_ipv6(v6) .. "]"
                        end
                    end
                end
            end
        end
    end
    return map
end

return _M
