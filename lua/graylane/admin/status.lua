-- The admin reads about the gateway itself: GET /v1/status (who and what is
-- running), GET /v1/stats (per-node counters, report.lua) and GET /metrics
-- (Prometheus text, metrics.lua).
local util = require "graylane.util"
local validate = require "graylane.validate"
local store = require "graylane.store"
local restore = require "graylane.restore"
local stats = require "graylane.stats"
local config = require "graylane.config"
local report = require "graylane.report"
local metrics = require "graylane.metrics"
local healthcheck = require "graylane.healthcheck"
local http = require "graylane.admin.http"

local ngx = ngx
local var = ngx.var
local ngx_now = ngx.now
local floor = math.floor
local str_format = string.format
local array = util.array
local null = util.null

local _M = {}

local function nginx_version()
    local v = ngx.config.nginx_version
    return str_format("%d.%d.%d", floor(v / 1000000), floor(v / 1000) % 1000, v % 1000)
end

function _M.status()
    local started = store.started() or ngx_now()
    return http.send(200, {
        gateway_id = config.gateway_id,
        server = config.server,
        nginx_version = nginx_version(),
        ngx_lua_version = ngx.config.ngx_lua_version,
        workers = ngx.worker.count(),
        worker_pids = array(stats.worker_pids()),
        started_at = started,
        uptime = ngx_now() - started,
        state_dir = config.state_dir,
        state_file = config.state_file,
        state_version = store.version(),
        services = #store.names(),
        last_change = store.last_change() or null,
        tester_key = config.tester_key and true or false,
        health_prober_pid = healthcheck.prober() or null,
        quarantined = restore.quarantined(),
    })
end

-- ?service=<name>: only that service
function _M.stats()
    local service = var.arg_service
    if service ~= nil then
        if not validate.name(service) then
            return http.send_error(400, "invalid_name", "service must match " .. validate.NAME_RULE, "service")
        end
    end
    return http.send_text(report.stats(service), "application/json")
end

function _M.metrics()
    return http.send_text(metrics.text(), "text/plain; version=0.0.4; charset=utf-8")
end

return _M
