-- Validation of everything the admin API accepts. The admin API validates the
-- whole new state here before storing it, so the data plane trusts what it reads.
-- Every failure is a value: nil, { code = "...", message = "...", field = "..." }.
local util = require "graylane.util"
local contract = require "graylane.contract"
local config = require "graylane.config"
local bit = require "bit"

local type = type
local pairs = pairs
local tonumber = tonumber
local tostring = tostring
local str_char = string.char
local str_byte = string.byte
local str_format = string.format
local concat = table.concat
local band = bit.band
local rshift = bit.rshift
local lshift = bit.lshift
local array = util.array
local null = util.null

local _M = {}

local NAME_MAX = contract.NAME_MAX
local NAME_PATTERN = contract.NAME_PATTERN
local MAX_NODES = contract.MAX_NODES
local MAX_CIDRS = contract.MAX_CIDRS
local WEIGHT_MIN, WEIGHT_MAX = contract.WEIGHT_MIN, contract.WEIGHT_MAX
local PERCENT_MIN, PERCENT_MAX = contract.PERCENT_MIN, contract.PERCENT_MAX
local PERCENT_SCALE = 10 ^ contract.PERCENT_DECIMALS
local ALGORITHMS = { round_robin = true, ip_hash = true, least_conn = true }
local STATES = { active = true, gray = true, draining = true, down = true }

_M.DEFAULT_HEALTH = { max_fails = 3, fail_timeout = 10 }
_M.DEFAULT_TESTER_COOKIE = "graylane_tester"

local function fail(code, field, message)
    return nil, { code = code, field = field, message = message }
end
_M.fail = fail

-- What a service name must look like, for error messages.
_M.NAME_RULE = "[A-Za-z0-9_-][A-Za-z0-9._-]{0," .. (NAME_MAX - 1) .. "} (not . or ..)"

function _M.name(s)
    if type(s) ~= "string" or #s < 1 or #s > NAME_MAX or not s:find(NAME_PATTERN) then
        return false
    end
    return true
end

_M.MAX_NODES = MAX_NODES

-- The node limit of the contract. A service over it (stored by an older
-- gateway) may still shrink: only a change that leaves it over the limit
-- without removing nodes is refused. before: the node count before the
-- change (nil for a new service or a snapshot entry).
function _M.node_count(name, n, before)
    if n <= MAX_NODES or (before and n < before) then
        return true
    end
    return nil, { status = 409, code = "too_many_nodes", field = "nodes",
                  message = "service " .. tostring(name) .. " would have " .. n
                      .. " nodes, over the limit " .. MAX_NODES .. " nodes per service" }
end

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

-- Write policy for a node that is being added (not address syntax: a node already
-- stored stays removable, and the compiled view never re-checks it): link-local
-- addresses (169.254.0.0/16, fe80::/10), where cloud metadata services answer, only
-- with GRAYLANE_ALLOW_LINK_LOCAL=1. Returns true, or nil and why.
function _M.new_node_allowed(addr)
    if config.allow_link_local then
        return true
    end
    local a = _M.parse_addr(addr)
    local b = a and a.bytes
    if b and ((a.kind == "ipv4" and str_byte(b, 1) == 169 and str_byte(b, 2) == 254)
              or (a.kind == "ipv6" and str_byte(b, 1) == 0xfe and band(str_byte(b, 2), 0xc0) == 0x80)) then
        return nil, "link-local address refused in " .. addr .. " (allow with GRAYLANE_ALLOW_LINK_LOCAL=1)"
    end
    return true
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

local function check_keys(obj, allowed, prefix)
    for k in pairs(obj) do
        if not allowed[k] then
            return fail("unknown_field", prefix .. k, "unknown field " .. prefix .. k)
        end
    end
    return true
end

local function check_weight(w, field)
    if not util.is_integer(w) or w < WEIGHT_MIN or w > WEIGHT_MAX then
        return fail("invalid_weight", field, field .. " must be an integer " .. WEIGHT_MIN .. "-" .. WEIGHT_MAX)
    end
    return true
end

local function check_state(s, field)
    if type(s) ~= "string" or not STATES[s] then
        return fail("invalid_state", field, field .. " must be one of active, gray, draining, down")
    end
    return true
end

local NODE_KEYS = { addr = true, weight = true, state = true, backup = true,
                    -- read-only fields of GET responses, accepted and ignored
                    in_flight = true, ejected_until = true,
                    health = true, health_checked_at = true, health_error = true }
local PATCH_KEYS = { weight = true, state = true, backup = true, force = true }

-- A full node (PUT, POST): defaults applied, addr canonicalised.
function _M.node(obj, prefix)
    prefix = prefix or ""
    if not util.is_object(obj) then
        return fail("invalid_node", prefix ~= "" and prefix:sub(1, -2) or "body", "a node must be a JSON object")
    end
    local ok, err = check_keys(obj, NODE_KEYS, prefix)
    if not ok then
        return nil, err
    end
    if obj.addr == nil then
        return fail("invalid_addr", prefix .. "addr", prefix .. "addr is required")
    end
    local a, aerr = _M.parse_addr(obj.addr)
    if not a then
        return fail("invalid_addr", prefix .. "addr", aerr)
    end
    local node = { addr = a.addr, weight = 1, state = "active", backup = false }
    if obj.weight ~= nil then
        ok, err = check_weight(obj.weight, prefix .. "weight")
        if not ok then
            return nil, err
        end
        node.weight = obj.weight
    end
    if obj.state ~= nil then
        ok, err = check_state(obj.state, prefix .. "state")
        if not ok then
            return nil, err
        end
        node.state = obj.state
    end
    if obj.backup ~= nil then
        if type(obj.backup) ~= "boolean" then
            return fail("invalid_backup", prefix .. "backup", prefix .. "backup must be true or false")
        end
        node.backup = obj.backup
    end
    return node
end

-- A PATCH body: only weight, state, backup (and force).
function _M.node_patch(obj)
    if not util.is_object(obj) then
        return fail("invalid_body", "body", "body must be a JSON object")
    end
    local ok, err = check_keys(obj, PATCH_KEYS, "")
    if not ok then
        return nil, err
    end
    if obj.weight ~= nil then
        ok, err = check_weight(obj.weight, "weight")
        if not ok then
            return nil, err
        end
    end
    if obj.state ~= nil then
        ok, err = check_state(obj.state, "state")
        if not ok then
            return nil, err
        end
    end
    if obj.backup ~= nil and type(obj.backup) ~= "boolean" then
        return fail("invalid_backup", "backup", "backup must be true or false")
    end
    if obj.force ~= nil and type(obj.force) ~= "boolean" then
        return fail("invalid_force", "force", "force must be true or false")
    end
    return { weight = obj.weight, state = obj.state, backup = obj.backup, force = obj.force }
end

local HEADER_KEYS = { name = true, value = true }
local TESTER_KEYS = { cookie = true }
local GRAY_KEYS = { header = true, cookie = true, cidrs = true, percent = true, tester = true }

local function check_pair(v, field, name_pat, kind)
    if v == null then
        return null
    end
    if not util.is_object(v) then
        return fail("invalid_gray", field, field .. " must be an object {name, value} or null")
    end
    local ok, err = check_keys(v, HEADER_KEYS, field .. ".")
    if not ok then
        return nil, err
    end
    if type(v.name) ~= "string" or #v.name > 64 or not v.name:find(name_pat) then
        return fail("invalid_gray", field .. ".name", "invalid " .. kind .. " name")
    end
    if type(v.value) ~= "string" or #v.value < 1 or #v.value > 256 or v.value:find("[%c;]") then
        return fail("invalid_gray", field .. ".value", "invalid " .. kind .. " value")
    end
    return { name = v.name, value = v.value }
end

local HEADER_NAME_PAT = "^[A-Za-z0-9-]+$"
local COOKIE_NAME_PAT = "^[A-Za-z0-9_.-]+$"

-- No static header/cookie matcher unless asked for: anyone who sends a well-known
-- header or cookie would reach the untested build (docs/design.md, "Gray rule").
function _M.default_gray()
    return {
        header = null,
        cookie = null,
        cidrs = array(),
        percent = 0,
        tester = null,
    }
end

function _M.gray(g)
    local out = _M.default_gray()
    if g == nil then
        return out
    end
    if not util.is_object(g) then
        return fail("invalid_gray", "gray", "gray must be an object")
    end
    local ok, err = check_keys(g, GRAY_KEYS, "gray.")
    if not ok then
        return nil, err
    end
    if g.header ~= nil then
        out.header, err = check_pair(g.header, "gray.header", HEADER_NAME_PAT, "header")
        if not out.header then
            return nil, err
        end
    end
    if g.cookie ~= nil then
        out.cookie, err = check_pair(g.cookie, "gray.cookie", COOKIE_NAME_PAT, "cookie")
        if not out.cookie then
            return nil, err
        end
    end
    if g.cidrs ~= nil and g.cidrs ~= null then
        if not util.is_array(g.cidrs) or #g.cidrs > MAX_CIDRS then
            return fail("invalid_cidr", "gray.cidrs", "gray.cidrs must be an array of at most " .. MAX_CIDRS .. " CIDRs")
        end
        for i = 1, #g.cidrs do
            local c = _M.parse_cidr(g.cidrs[i])
            if not c then
                local f = "gray.cidrs[" .. (i - 1) .. "]"
                return fail("invalid_cidr", f, f .. " is not a valid IPv4/IPv6 CIDR: " .. tostring(g.cidrs[i]))
            end
            out.cidrs[i] = c.text
        end
    end
    if g.percent ~= nil then
        local p = g.percent
        if type(p) ~= "number" or p ~= p or p < PERCENT_MIN or p > PERCENT_MAX
            or p * PERCENT_SCALE ~= math.floor(p * PERCENT_SCALE) then
            return fail("invalid_percent", "gray.percent", "gray.percent must be a number "
                        .. PERCENT_MIN .. "-" .. PERCENT_MAX .. " with at most "
                        .. contract.PERCENT_DECIMALS .. " decimals")
        end
        out.percent = p
    end
    if g.tester ~= nil and g.tester ~= null then
        if not util.is_object(g.tester) then
            return fail("invalid_gray", "gray.tester", "gray.tester must be an object {cookie} or null")
        end
        ok, err = check_keys(g.tester, TESTER_KEYS, "gray.tester.")
        if not ok then
            return nil, err
        end
        local c = g.tester.cookie
        if c == nil then
            c = _M.DEFAULT_TESTER_COOKIE
        end
        if type(c) ~= "string" or #c > 64 or not c:find(COOKIE_NAME_PAT) then
            return fail("invalid_gray", "gray.tester.cookie", "invalid tester cookie name")
        end
        out.tester = { cookie = c }
    end
    return out
end

local HEALTH_KEYS = { max_fails = true, fail_timeout = true, check = true }
local CHECK_KEYS = { path = true, interval = true, timeout = true, healthy = true, unhealthy = true }
_M.DEFAULT_CHECK = { path = "/healthz", interval = 2, timeout = 1, healthy = 2, unhealthy = 2 }

local function check_seconds(v, field, min, max)
    if type(v) ~= "number" or v ~= v or v < min or v > max then
        return fail("invalid_health", field, field .. " must be " .. min .. "-" .. max .. " seconds")
    end
    return true
end

local function check_count(v, field)
    if not util.is_integer(v) or v < 1 or v > 100 then
        return fail("invalid_health", field, field .. " must be an integer 1-100")
    end
    return true
end

-- Active health check of a service: nil when off (absent or null).
local function health_check(c)
    if c == nil or c == null then
        return nil
    end
    if not util.is_object(c) then
        return fail("invalid_health", "health.check", "health.check must be an object or null")
    end
    local ok, err = check_keys(c, CHECK_KEYS, "health.check.")
    if not ok then
        return nil, err
    end
    local d = _M.DEFAULT_CHECK
    local out = { path = d.path, interval = d.interval, timeout = d.timeout,
                  healthy = d.healthy, unhealthy = d.unhealthy }
    if c.path ~= nil then
        local p = c.path
        -- sent as is on the request line: no spaces, no control characters
        if type(p) ~= "string" or #p > 1024 or p:sub(1, 1) ~= "/" or p:find("[%s%c]") then
            return fail("invalid_health", "health.check.path",
                        "health.check.path must be a path starting with / (no spaces, at most 1024 characters)")
        end
        out.path = p
    end
    if c.interval ~= nil then
        ok, err = check_seconds(c.interval, "health.check.interval", 0.5, 3600)
        if not ok then
            return nil, err
        end
        out.interval = c.interval
    end
    if c.timeout ~= nil then
        ok, err = check_seconds(c.timeout, "health.check.timeout", 0.05, 60)
        if not ok then
            return nil, err
        end
        out.timeout = c.timeout
    end
    if out.timeout > out.interval then
        return fail("invalid_health", "health.check.timeout",
                    "health.check.timeout must not exceed health.check.interval")
    end
    for _, k in ipairs({ "healthy", "unhealthy" }) do
        if c[k] ~= nil then
            ok, err = check_count(c[k], "health.check." .. k)
            if not ok then
                return nil, err
            end
            out[k] = c[k]
        end
    end
    return out
end

function _M.health(h)
    local out = { max_fails = _M.DEFAULT_HEALTH.max_fails, fail_timeout = _M.DEFAULT_HEALTH.fail_timeout }
    if h == nil or h == null then
        return out
    end
    if not util.is_object(h) then
        return fail("invalid_health", "health", "health must be an object")
    end
    local ok, err = check_keys(h, HEALTH_KEYS, "health.")
    if not ok then
        return nil, err
    end
    if h.max_fails ~= nil then
        if not util.is_integer(h.max_fails) or h.max_fails < 0 or h.max_fails > 1000 then
            return fail("invalid_health", "health.max_fails", "health.max_fails must be an integer 0-1000 (0 disables ejection)")
        end
        out.max_fails = h.max_fails
    end
    if h.fail_timeout ~= nil then
        local t = h.fail_timeout
        if type(t) ~= "number" or t ~= t or t < 1 or t > 3600 then
            return fail("invalid_health", "health.fail_timeout", "health.fail_timeout must be 1-3600 seconds")
        end
        out.fail_timeout = t
    end
    if h.check ~= nil then
        local c, cerr = health_check(h.check)
        if cerr then
            return nil, cerr
        end
        out.check = c
    end
    return out
end

local SERVICE_KEYS = { name = true, version = true, revision = true, algorithm = true,
                       nodes = true, gray = true, health = true, force = true, managed_by = true }
local MANAGER_PATTERN = "^[A-Za-z0-9._-]+$"

-- A manager name (managed_by, X-Graylane-Manager): nil when absent.
function _M.manager(v)
    if v == nil or v == null then
        return nil
    end
    if type(v) ~= "string" or #v < 1 or #v > 64 or not v:find(MANAGER_PATTERN) then
        return fail("invalid_managed_by", "managed_by", "managed_by must be a name matching [A-Za-z0-9._-]{1,64} or null")
    end
    return v
end

-- Validates a whole service (PUT body or snapshot entry) and returns it
-- normalised: defaults filled in, addresses canonical, no unknown fields.
-- The caller sets `version`.
function _M.service(obj, path_name)
    if not util.is_object(obj) then
        return fail("invalid_body", "body", "body must be a JSON object")
    end
    local ok, err = check_keys(obj, SERVICE_KEYS, "")
    if not ok then
        return nil, err
    end
    local name = path_name
    if obj.name ~= nil then
        if not _M.name(obj.name) then
            return fail("invalid_name", "name", "name must match " .. _M.NAME_RULE)
        end
        if name and obj.name ~= name then
            return fail("name_mismatch", "name", "name in the body differs from the name in the path")
        end
        name = obj.name
    end
    if not _M.name(name) then
        return fail("invalid_name", "name", "name must match " .. _M.NAME_RULE)
    end
    local st = { name = name, revision = null, algorithm = "round_robin" }
    if obj.revision ~= nil and obj.revision ~= null then
        if not util.is_integer(obj.revision) or obj.revision < 0 then
            return fail("invalid_revision", "revision", "revision must be a non-negative integer or null")
        end
        st.revision = obj.revision
    end
    if obj.algorithm ~= nil then
        if type(obj.algorithm) ~= "string" or not ALGORITHMS[obj.algorithm] then
            return fail("invalid_algorithm", "algorithm", "algorithm must be round_robin, ip_hash or least_conn")
        end
        st.algorithm = obj.algorithm
    end
    if obj.force ~= nil and type(obj.force) ~= "boolean" then
        return fail("invalid_force", "force", "force must be true or false")
    end
    if obj.version ~= nil and obj.version ~= null and not util.is_integer(obj.version) then
        return fail("invalid_version", "version", "version must be an integer (it is ignored on write)")
    end
    local nodes = obj.nodes
    if nodes == nil or nodes == null then
        nodes = {}
    end
    if not util.is_array(nodes) then
        return fail("invalid_nodes", "nodes", "nodes must be an array")
    end
    ok, err = _M.node_count(name, #nodes)
    if not ok then
        return nil, err
    end
    st.nodes = array()
    local seen = {}
    for i = 1, #nodes do
        local prefix = "nodes[" .. (i - 1) .. "]."
        local node, nerr = _M.node(nodes[i], prefix)
        if not node then
            return nil, nerr
        end
        if seen[node.addr] then
            return fail("duplicate_node", prefix .. "addr", "node " .. node.addr .. " is listed twice")
        end
        seen[node.addr] = true
        st.nodes[i] = node
    end
    st.gray, err = _M.gray(obj.gray)
    if not st.gray then
        return nil, err
    end
    st.health, err = _M.health(obj.health)
    if not st.health then
        return nil, err
    end
    if obj.managed_by ~= nil and obj.managed_by ~= null then
        st.managed_by, err = _M.manager(obj.managed_by)
        if not st.managed_by then
            return nil, err
        end
    end
    return st
end

-- True when some node can take stable traffic (state active, backup or not).
function _M.has_stable(st)
    if not st then
        return false
    end
    for i = 1, #st.nodes do
        if st.nodes[i].state == "active" then
            return true
        end
    end
    return false
end

return _M
