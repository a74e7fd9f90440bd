-- The JSON API of services and their nodes:
--   GET /v1/upstreams, GET|PUT|DELETE /v1/upstreams/{name},
--   POST /v1/upstreams/{name}/nodes, PATCH|DELETE /v1/upstreams/{name}/nodes/{addr}.
-- Every write validates the whole new state and commits under the write lock
-- (write.lua); responses carry the service's version as ETag.
local util = require "graylane.util"
local ip = require "graylane.ip"
local validate = require "graylane.validate"
local store = require "graylane.store"
local stats = require "graylane.stats"
local report = require "graylane.report"
local http = require "graylane.admin.http"
local write = require "graylane.admin.write"

local concat = table.concat
local md5 = ngx.md5
local remove = table.remove

local send, send_error, send_err = http.send, http.send_error, http.send_err
local mutate, find_node, bump = write.mutate, write.find_node, write.bump

local _M = {}

local function send_service(status, st)
    return send(status, report.present(st), { ETag = '"' .. st.version .. '"' })
end

-- The GET /v1/upstreams body and its node count, encoded service by service
-- (report.lua pauses as it goes, and keeps it for a big fleet).
local function render_list(names)
    local inflight = stats.inflight_map()
    local out, total = {}, 0
    for i = 1, #names do
        local st = store.get(names[i])
        if st then
            total = total + #st.nodes
            out[#out + 1] = report.encode_service(report.present(st, inflight))
        end
    end
    return '{"upstreams":[' .. concat(out, ",") .. "]}\n", total
end

function _M.list()
    return http.send_text(report.configuration("upstreams", render_list), "application/json")
end

-- This worker's summary entries by the seq of the document they describe
-- (store.seq: write-once), so a pass at rest reads one pointer per service
-- instead of decoding and hashing every document again.
local summaries = {}

-- GET /v1/summary: per service its revision, version and the MD5 of the
-- document the store holds (a new one on every write, forced or not, and on a
-- state file edited before a restart), so a reader that compared a service
-- before can tell whether it changed since without reading every document.
function _M.summary()
    local names = store.names()
    local out, kept = {}, {}
    for i = 1, #names do
        local name = names[i]
        local seq = store.seq(name)
        local e = seq and summaries[seq]
        if not e then
            local raw
            raw, seq = store.get_raw(name)
            local st = raw and util.decode(raw)
            e = st and { name = name, revision = st.revision, version = st.version, digest = md5(raw) }
        end
        if e then
            out[#out + 1] = e
            kept[seq] = e
        end
    end
    summaries = kept -- entries of replaced documents go
    return send(200, { version = store.version(), services = util.array(out) })
end

function _M.get(name)
    local st = store.get(name)
    if not st then
        return send_error(404, "service_not_found", "no service named " .. name, "name")
    end
    return send_service(200, st)
end

-- Nodes a PUT adds (not those the service already has) follow the new-node policy.
local function new_nodes_allowed(cur, st)
    for i = 1, #st.nodes do
        local addr = st.nodes[i].addr
        if not (cur and find_node(cur, addr)) then
            local ok, why = validate.new_node_allowed(addr)
            if not ok then
                return nil, { status = 400, code = "invalid_addr", field = "nodes[" .. (i - 1) .. "].addr", message = why }
            end
        end
    end
    return true
end

function _M.put(name)
    local body = http.json_body()
    local st, err = validate.service(body, name)
    if not st then
        return send_err(err)
    end
    local force = http.force_requested(body)
    local created = false
    local result
    result, err = mutate(function()
        local cur = store.get(name)
        local ok, gerr = write.check_writable(cur, force)
        if not ok then
            return nil, gerr
        end
        ok, gerr = new_nodes_allowed(cur, st)
        if not ok then
            return nil, gerr
        end
        if not write.is_manager(cur) then
            -- forced by someone else: the service stays the manager's
            st.managed_by, st.revision = cur.managed_by, cur.revision
        end
        ok, gerr = write.guard(cur, st, force)
        if not ok then
            return nil, gerr
        end
        created = cur == nil
        bump(st, cur)
        return { { name = name, state = st } }, { action = http.action(), service = name, version = st.version }, st
    end)
    if not result then
        return send_err(err)
    end
    return send_service(created and 201 or 200, result)
end

function _M.delete(name)
    local force = http.force_requested(nil)
    local result, err = mutate(function()
        local cur, lerr = write.load_existing(name, force)
        if not cur then
            return nil, lerr
        end
        return { { name = name, state = false } }, { action = http.action(), service = name },
            { name = name, deleted = true, version = cur.version }
    end)
    return http.reply(result, err)
end

-- Shared by POST/PATCH/DELETE on nodes: load, check If-Match, apply, guard, bump.
local function change_service(name, apply, force)
    local result, err = mutate(function()
        local cur, lerr = write.load_existing(name, force)
        if not cur then
            return nil, lerr
        end
        local nxt, aerr = apply(store.get(name)) -- a private copy to modify
        if not nxt then
            return nil, aerr
        end
        local ok
        ok, aerr = validate.node_count(name, #nxt.nodes, #cur.nodes)
        if not ok then
            return nil, aerr
        end
        local gerr
        ok, gerr = write.guard(cur, nxt, force)
        if not ok then
            return nil, gerr
        end
        bump(nxt, cur)
        return { { name = name, state = nxt } }, { action = http.action(), service = name, version = nxt.version }, nxt
    end)
    if not result then
        return send_err(err)
    end
    return result
end

function _M.post_node(name)
    local body = http.json_body()
    local force = http.force_requested(body)
    body.force = nil
    local node, err = validate.node(body, "")
    if not node then
        return send_err(err)
    end
    local allowed, why = validate.new_node_allowed(node.addr)
    if not allowed then
        return send_error(400, "invalid_addr", why, "addr")
    end
    local st = change_service(name, function(nxt)
        if find_node(nxt, node.addr) then
            return nil, { status = 409, code = "node_exists", field = "addr",
                          message = "node " .. node.addr .. " is already in service " .. name }
        end
        nxt.nodes[#nxt.nodes + 1] = node
        return nxt
    end, force)
    return send_service(201, st)
end

local function parse_path_addr(raw)
    local a, msg = ip.parse_addr(raw)
    if not a then
        return send_error(400, "invalid_addr", msg, "addr")
    end
    return a.addr
end

local function node_not_found(name, addr)
    return { status = 404, code = "node_not_found", field = "addr",
             message = "node " .. addr .. " is not in service " .. name }
end

function _M.patch_node(name, raw_addr)
    local addr = parse_path_addr(raw_addr)
    local body = http.json_body()
    local patch, err = validate.node_patch(body)
    if not patch then
        return send_err(err)
    end
    local st = change_service(name, function(nxt)
        local _, n = find_node(nxt, addr)
        if not n then
            return nil, node_not_found(name, addr)
        end
        if patch.weight ~= nil then n.weight = patch.weight end
        if patch.state ~= nil then n.state = patch.state end
        if patch.backup ~= nil then n.backup = patch.backup end
        return nxt
    end, http.force_requested(body))
    return send_service(200, st)
end

function _M.delete_node(name, raw_addr)
    local addr = parse_path_addr(raw_addr)
    local st = change_service(name, function(nxt)
        local i = find_node(nxt, addr)
        if not i then
            return nil, node_not_found(name, addr)
        end
        remove(nxt.nodes, i)
        return nxt
    end, http.force_requested(nil))
    return send_service(200, st)
end

return _M
