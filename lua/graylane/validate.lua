-- Over ~400 lines (414): the gray part grew with issue 16; the new request-attribute
-- checks live in validate/match.lua, what stays here is the service and node schema.
-- Validation of everything the admin API accepts: the gateway state schema.
-- The admin API validates the whole new state here before storing it, so the
-- data plane trusts what it reads. Every limit, enum and pattern of the
-- contract with the portal comes from graylane.contract; addresses are parsed
-- by ip.lua. Every failure is a value: nil, { code = "...", message = "...", field = "..." }.
local util = require "graylane.util"
local ip = require "graylane.ip"
local health_schema = require "graylane.validate.health"
local match_schema = require "graylane.validate.match"
local contract = require "graylane.contract"
local config = require "graylane.config"

local type = type
local ipairs = ipairs
local tostring = tostring
local concat = table.concat
local array = util.array
local null = util.null
local fail = util.fail
local check_object = util.check_object

local _M = {}

local NAME_MAX = contract.NAME_MAX
local NAME_PATTERN = contract.NAME_PATTERN
local MAX_NODES = contract.MAX_NODES
local MAX_CIDRS = contract.MAX_CIDRS
local WEIGHT_MIN, WEIGHT_MAX = contract.WEIGHT_MIN, contract.WEIGHT_MAX
local PERCENT_MIN, PERCENT_MAX = contract.PERCENT_MIN, contract.PERCENT_MAX
-- "at most two decimals": the number is the one its two-decimal rendering reads back as
-- (1.1 is, though 1.1 * 100 is 110.00000000000001 in binary floating point)
local PERCENT_FORMAT = "%." .. contract.PERCENT_DECIMALS .. "f"
local HEADER_NAME_PATTERN = contract.HEADER_NAME_PATTERN
local COOKIE_NAME_PATTERN = contract.COOKIE_NAME_PATTERN
local MANAGER_PATTERN = contract.MANAGER_PATTERN
local MATCH_NAME_MAX = contract.MATCH_NAME_MAX
local MATCH_VALUE_MAX = contract.MATCH_VALUE_MAX
local MANAGER_MAX = contract.MANAGER_MAX

-- enums as sets, and "a, b or c" / "a, b, c" for messages
local set_of = util.set_of
local ALGORITHMS = set_of(contract.ALGORITHMS)
local NODE_STATES = set_of(contract.NODE_STATES)
local ALGORITHM_LIST = concat(contract.ALGORITHMS, ", ", 1, #contract.ALGORITHMS - 1)
    .. " or " .. contract.ALGORITHMS[#contract.ALGORITHMS]
local NODE_STATE_LIST = concat(contract.NODE_STATES, ", ")

_M.DEFAULT_TESTER_COOKIE = contract.DEFAULT_TESTER_COOKIE

-- The health block of a service (validate/health.lua).
_M.health = health_schema.health

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

-- Write policy for a node that is being added (not address syntax: a node already
-- stored stays removable, and the compiled view never re-checks it): link-local
-- addresses (169.254.0.0/16, fe80::/10), where cloud metadata services answer, only
-- with GRAYLANE_ALLOW_LINK_LOCAL=1. Returns true, or nil and why.
function _M.new_node_allowed(addr)
    if config.allow_link_local then
        return true
    end
    local a = ip.parse_addr(addr)
    if a and ip.is_link_local(a) then
        return nil, "link-local address refused in " .. addr .. " (allow with GRAYLANE_ALLOW_LINK_LOCAL=1)"
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
    if type(s) ~= "string" or not NODE_STATES[s] then
        return fail("invalid_state", field, field .. " must be one of " .. NODE_STATE_LIST)
    end
    return true
end

-- The optional fields a node and a node PATCH share, in the order they are checked.
local NODE_FIELDS = { { "weight", check_weight }, { "state", check_state } }

-- true, or the first failure of the shared node fields (weight, state, backup), its field
-- named after `prefix`.
local function check_node_fields(obj, prefix)
    for _, f in ipairs(NODE_FIELDS) do
        local k = f[1]
        if obj[k] ~= nil then
            local ok, err = f[2](obj[k], prefix .. k)
            if not ok then
                return nil, err
            end
        end
    end
    if obj.backup ~= nil and type(obj.backup) ~= "boolean" then
        return fail("invalid_backup", prefix .. "backup", prefix .. "backup must be true or false")
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
    local field = prefix ~= "" and prefix:sub(1, -2) or "body"
    local ok, err = check_object(obj, NODE_KEYS, prefix, "invalid_node", field, "a node must be a JSON object")
    if not ok then
        return nil, err
    end
    if obj.addr == nil then
        return fail("invalid_addr", prefix .. "addr", prefix .. "addr is required")
    end
    local a, aerr = ip.parse_addr(obj.addr)
    if not a then
        return fail("invalid_addr", prefix .. "addr", aerr)
    end
    ok, err = check_node_fields(obj, prefix)
    if not ok then
        return nil, err
    end
    return { addr = a.addr, weight = obj.weight or 1, state = obj.state or "active",
             backup = obj.backup or false }
end

-- A PATCH body: only weight, state, backup (and force).
function _M.node_patch(obj)
    local ok, err = check_object(obj, PATCH_KEYS, "", "invalid_body", "body",
                                 "body must be a JSON object")
    if not ok then
        return nil, err
    end
    ok, err = check_node_fields(obj, "")
    if not ok then
        return nil, err
    end
    if obj.force ~= nil and type(obj.force) ~= "boolean" then
        return fail("invalid_force", "force", "force must be true or false")
    end
    return { weight = obj.weight, state = obj.state, backup = obj.backup, force = obj.force }
end

local HEADER_KEYS = { name = true, value = true }
local TESTER_KEYS = { cookie = true }
local GRAY_KEYS = { header = true, cookie = true, cidrs = true, percent = true, tester = true,
                    match = true, percent_key = true }

-- The static matchers of a gray rule: field and name pattern.
local STATIC_MATCHERS = { { "header", HEADER_NAME_PATTERN }, { "cookie", COOKIE_NAME_PATTERN } }

local function check_pair(v, field, name_pat, kind)
    if v == null then
        return null
    end
    local ok, err = check_object(v, HEADER_KEYS, field .. ".", "invalid_gray", field,
                                 field .. " must be an object {name, value} or null")
    if not ok then
        return nil, err
    end
    if type(v.name) ~= "string" or #v.name > MATCH_NAME_MAX or not v.name:find(name_pat) then
        return fail("invalid_gray", field .. ".name", "invalid " .. kind .. " name")
    end
    if type(v.value) ~= "string" or #v.value < 1 or #v.value > MATCH_VALUE_MAX or v.value:find("[%c;]") then
        return fail("invalid_gray", field .. ".value", "invalid " .. kind .. " value")
    end
    return { name = v.name, value = v.value }
end

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
    local ok, err = check_object(g, GRAY_KEYS, "gray.", "invalid_gray", "gray",
                                 "gray must be an object")
    if not ok then
        return nil, err
    end
    for _, m in ipairs(STATIC_MATCHERS) do
        local k = m[1]
        if g[k] ~= nil then
            out[k], err = check_pair(g[k], "gray." .. k, m[2], k)
            if not out[k] then
                return nil, err
            end
        end
    end
    if g.cidrs ~= nil and g.cidrs ~= null then
        if not util.is_array(g.cidrs) or #g.cidrs > MAX_CIDRS then
            return fail("invalid_cidr", "gray.cidrs", "gray.cidrs must be an array of at most " .. MAX_CIDRS .. " CIDRs")
        end
        for i = 1, #g.cidrs do
            local c = ip.parse_cidr(g.cidrs[i])
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
            or tonumber(string.format(PERCENT_FORMAT, p)) ~= p then
            return fail("invalid_percent", "gray.percent", "gray.percent must be a number "
                        .. PERCENT_MIN .. "-" .. PERCENT_MAX .. " with at most "
                        .. contract.PERCENT_DECIMALS .. " decimals")
        end
        out.percent = p
    end
    if g.tester ~= nil and g.tester ~= null then
        ok, err = check_object(g.tester, TESTER_KEYS, "gray.tester.", "invalid_gray", "gray.tester",
                               "gray.tester must be an object {cookie} or null")
        if not ok then
            return nil, err
        end
        local c = g.tester.cookie
        if c == nil then
            c = _M.DEFAULT_TESTER_COOKIE
        end
        if type(c) ~= "string" or #c > MATCH_NAME_MAX or not c:find(COOKIE_NAME_PATTERN) then
            return fail("invalid_gray", "gray.tester.cookie", "invalid tester cookie name")
        end
        out.tester = { cookie = c }
    end
    -- stored only when present: older rules read back exactly as before
    out.match, err = match_schema.match(g.match)
    if err then
        return nil, err
    end
    out.percent_key, err = match_schema.percent_key(g.percent_key)
    if err then
        return nil, err
    end
    return out
end

local SERVICE_KEYS = { name = true, version = true, revision = true, algorithm = true,
                       nodes = true, gray = true, health = true, force = true, managed_by = true }

-- A manager name (managed_by, X-Graylane-Manager): nil when absent.
function _M.manager(v)
    if v == nil or v == null then
        return nil
    end
    if type(v) ~= "string" or #v < 1 or #v > MANAGER_MAX or not v:find(MANAGER_PATTERN) then
        return fail("invalid_managed_by", "managed_by", "managed_by must be a name matching [A-Za-z0-9._-]{1,64} or null")
    end
    return v
end

-- Validates a whole service (PUT body or snapshot entry) and returns it
-- normalised: defaults filled in, addresses canonical, no unknown fields.
-- The caller sets `version`.
function _M.service(obj, path_name)
    local ok, err = check_object(obj, SERVICE_KEYS, "", "invalid_body", "body",
                                 "body must be a JSON object")
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
            return fail("invalid_algorithm", "algorithm", "algorithm must be " .. ALGORITHM_LIST)
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
