-- Entry points for init_by_lua (master) and init_worker_by_lua.
local config = require "graylane.config"
local restore = require "graylane.restore"
local stats = require "graylane.stats"
local healthcheck = require "graylane.healthcheck"

local _M = {}

function _M.init(opts)
    config.init(opts)
    require("graylane.enroll").init() -- issue 15: self-enrollment settings, generated admin token
    require("graylane.view").init() -- the change signal (signal.lua), before the state is loaded
    local ok, err = restore.load()
    if not ok then
        ngx.log(ngx.ERR, "graylane: ", err)
    end
    -- load every module now so workers share the compiled code (copy-on-write)
    require "graylane.view"
    require "graylane.balancer"
    require "graylane.admin"
    require "graylane.tester"
end

function _M.init_worker()
    stats.init_worker()
    healthcheck.init_worker()
    require("graylane.enroll").init_worker()
end

return _M
