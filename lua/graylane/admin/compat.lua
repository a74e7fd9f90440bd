-- The brief's three calls, kept for the tools written against them
-- (docs/design.md, "Admin API"): query parameters in, GET only.
--   GET /upstream_add?upstream=&server=[&weight=]   add a node (active), creating the service
--   GET /upstream_remove?server=[&upstream=]        remove a node; without upstream, from every service
--   GET /upstream_list[?upstream=]                  list services and their nodes
-- They write through the same checks as the JSON API (admin/write.lua).
local util = require "graylane.util"
local ip = require "graylane.ip"
local validate = require "graylane.validate"
local contract = require "graylane.contract"
local store = require "graylane.store"
local report = require "graylane.report"
local http = require "graylane.admin.http"
local write = require "graylane.admin.write"

local ngx = ngx
local var = ngx.var
local tonumber = tonumber
local concat = table.concat
local remove = table.remove
local array = util.array

local send, send_error, send_err = http.send, http.send_error, http.send_err
local mutate, find_node, bump = write.mutate, write.find_node, write.bump

local _M = {}

local function view(st)
    local servers = array()
    for i = 1, #st.nodes do
        servers[i] = st.nodes[i].addr
    end
    report.present(st)
    return { upstream = st.name, version = st.version, count = #servers, servers = servers, nodes = st.nodes }
end

local function invalid_name()
    return send_error(400, "invalid_name", "upstream must match " .. validate.NAME_RULE, "upstream")
end

-- ?server= parsed, or an error sent
local function server_param()
    local server = var.arg_server
    if not server or server == "" then
        return send_error(400, "missing_param", "server is required", "server")
    end
    local a, msg = ip.parse_addr(ngx.unescape_uri(server))
    if not a then
        return send_error(400, "invalid_addr", msg, "server")
    end
    return a
end

function _M.add()
    local name = var.arg_upstream
    if not name or name == "" then
        return send_error(400, "missing_param", "upstream is required", "upstream")
    end
    if not validate.name(name) then
        return invalid_name()
    end
    local a = server_param()
    local allowed, why = validate.new_node_allowed(a.addr)
    if not allowed then
        return send_error(400, "invalid_addr", why, "server")
    end
    local weight = 1
    if var.arg_weight then
        weight = tonumber(var.arg_weight)
        if not util.is_integer(weight) or weight < contract.WEIGHT_MIN or weight > contract.WEIGHT_MAX then
            return send_error(400, "invalid_weight", "weight must be an integer " .. contract.WEIGHT_MIN
                              .. "-" .. contract.WEIGHT_MAX, "weight")
        end
    end
    local force = http.force_requested(nil)
    local result, err = mutate(function()
        local cur = store.get(name)
        local ok, merr = write.check_managed(cur, force)
        if not ok then
            return nil, merr
        end
        local nxt = cur and store.get(name) or write.new_service(name)
        if find_node(nxt, a.addr) then
            return nil, { status = 409, code = "node_exists", field = "server",
                          message = "node " .. a.addr .. " is already in upstream " .. name }
        end
        nxt.nodes[#nxt.nodes + 1] = { addr = a.addr, weight = weight, state = "active", backup = false }
        ok, merr = validate.node_count(name, #nxt.nodes, cur and #cur.nodes)
        if not ok then
            return nil, merr
        end
        bump(nxt, cur)
        return { { name = name, state = nxt } }, { action = "upstream_add", service = name, version = nxt.version }, nxt
    end)
    if not result then
        return send_err(err)
    end
    return send(200, view(result))
end

function _M.remove()
    local name = var.arg_upstream
    local a = server_param()
    if name == "" then
        name = nil
    end
    if name and not validate.name(name) then
        return invalid_name()
    end
    local force = http.force_requested(nil)
    local result, err = mutate(function()
        local names = name and { name } or store.names()
        local changes, removed = {}, array()
        for i = 1, #names do
            local cur = store.get(names[i])
            if cur then
                local nxt = store.get(names[i])
                local idx = find_node(nxt, a.addr)
                if idx then
                    -- one managed service refuses the whole call: nothing changes
                    local ok, merr = write.check_managed(cur, force)
                    if not ok then
                        return nil, merr
                    end
                    remove(nxt.nodes, idx)
                    ok, merr = write.guard(cur, nxt, force)
                    if not ok then
                        return nil, merr
                    end
                    bump(nxt, cur)
                    changes[#changes + 1] = { name = names[i], state = nxt }
                    removed[#removed + 1] = { upstream = names[i], version = nxt.version }
                end
            elseif name then
                return nil, { status = 404, code = "service_not_found", field = "upstream",
                              message = "no upstream named " .. name }
            end
        end
        if #changes == 0 then
            return nil, { status = 404, code = "node_not_found", field = "server",
                          message = "node " .. a.addr .. " is not in " .. (name and ("upstream " .. name) or "any upstream") }
        end
        local svc_names = {}
        for i = 1, #removed do
            svc_names[i] = removed[i].upstream
        end
        return changes, { action = "upstream_remove", service = concat(svc_names, ","), node = a.addr },
            { server = a.addr, removed_from = removed }
    end)
    return http.reply(result, err)
end

function _M.list()
    local name = var.arg_upstream
    if name and name ~= "" then
        if not validate.name(name) then
            return invalid_name()
        end
        local st = store.get(name)
        if not st then
            return send_error(404, "service_not_found", "no upstream named " .. name, "upstream")
        end
        return send(200, view(st))
    end
    local out = array()
    local names = store.names()
    for i = 1, #names do
        local st = store.get(names[i])
        if st then
            out[#out + 1] = view(st)
        end
    end
    return send(200, { upstreams = out })
end

return _M
