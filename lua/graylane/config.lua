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
}

local function trim(s)
    return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

function _M.init(opts)
    _M.prefix = assert(opts.prefix, "prefix")
    _M.state_dir = assert(opts.state_dir, "state_dir")
    _M.state_file = _M.state_dir .. "/state.json"
    _M.server = opts.server or "nginx"

    -- alternates on every start and reload (see stats.lua, in-flight slots)
    local gen, gerr = ngx.shared.graylane_stats:incr("gen", 1, 0)
    if not gen then
        ngx.log(ngx.ERR, "graylane: cannot count the generation: ", gerr)
        gen = 0
    end
    _M.gen = gen % 2

    local token, err = util.read_file(_M.prefix .. "/admin.token")
    if not token or trim(token) == "" then
        ngx.log(ngx.ERR, "graylane: no admin token in ", _M.prefix, "/admin.token (",
                tostring(err), "): the admin API will refuse every call")
        _M.admin_token = nil
    else
        _M.admin_token = trim(token)
    end

    local key = util.read_file(_M.prefix .. "/tester.key")
    if key and trim(key) ~= "" then
        _M.tester_key = trim(key)
    else
        _M.tester_key = nil
    end

    -- The gateway id is stable per state dir: created once, then reused.
    local id_file = _M.state_dir .. "/gateway-id"
    local id = util.read_file(id_file)
    if id and trim(id) ~= "" then
        _M.gateway_id = trim(id)
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
