-- Process-wide settings, filled once in init_by_lua (master) and inherited by
-- every worker. Secrets come from files in the prefix, never from the command line.
local util = require "graylane.util"

local _M = {
    prefix = nil,
    state_dir = nil,
    state_file = nil,
    server = "nginx",
    admin_token = nil,
    tester_key = nil,
    gateway_id = nil,
    body_limit = 256 * 1024,
    stats_flush = 0.25,
    gen = 0,
    -- some proxy location sets $graylane_service (else the service is $host)
    service_var = false,
    -- node addresses in 169.254.0.0/16 and fe80::/10 (cloud metadata) only when allowed
    allow_link_local = false,
    -- the request path checks for changes through signal.lua's word (false:
    -- reads the version from the shared dict on every request, as a fallback)
    change_signal = true,
}

-- The trimmed contents of a file; nil (and why, if it could not be read) when
-- it is missing or blank.
local function read_trimmed(path)
    local s, err = util.read_file(path)
    s = s and s:gsub("^%s+", ""):gsub("%s+$", "")
    if s == "" then
        s = nil
    end
    return s, err
end

function _M.init(opts)
    _M.prefix = assert(opts.prefix, "prefix")
    _M.state_dir = assert(opts.state_dir, "state_dir")
    _M.state_file = _M.state_dir .. "/state.json"
    _M.server = opts.server or "nginx"
    _M.service_var = opts.service_var == true
    _M.allow_link_local = opts.allow_link_local == true
    _M.change_signal = opts.change_signal ~= false

    -- alternates on every start and reload (see stats.lua, in-flight slots)
    local gen, gerr = ngx.shared.graylane_stats:incr("gen", 1, 0)
    if not gen then
        ngx.log(ngx.ERR, "graylane: cannot count the generation: ", gerr)
        gen = 0
    end
    _M.gen = gen % 2

    local token, err = read_trimmed(_M.prefix .. "/admin.token")
    if not token then
        ngx.log(ngx.ERR, "graylane: no admin token in ", _M.prefix, "/admin.token (",
                tostring(err), "): the admin API will refuse every call")
    end
    _M.admin_token = token

    _M.tester_key = read_trimmed(_M.prefix .. "/tester.key")

    -- The gateway id is stable per state dir: created once, then reused.
    local id_file = _M.state_dir .. "/gateway-id"
    local id = read_trimmed(id_file)
    if id then
        _M.gateway_id = id
    else
        local hex = assert(util.random_hex(8))
        _M.gateway_id = "gw-" .. hex
        local ok, werr = util.write_atomic(id_file, _M.gateway_id .. "\n")
        if not ok then
            ngx.log(ngx.ERR, "graylane: cannot write ", id_file, ": ", werr)
        end
    end
end

return _M
