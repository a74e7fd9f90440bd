-- What every admin write shares, whichever API it comes through (the JSON
-- API: upstreams.lua, the brief's calls: compat.lua): the write lock around
-- load-check-commit, the managed-service rule, If-Match, the guard against
-- losing the last stable node, and small helpers on service tables.
local util = require "graylane.util"
local validate = require "graylane.validate"
local store = require "graylane.store"
local http = require "graylane.admin.http"

local ngx = ngx
local pcall = pcall
local array = util.array
local null = util.null

local _M = {}

-- Runs fn under the write lock. fn returns (changes, info, result) or (nil, err).
-- Returns result, or nil, err.
function _M.mutate(fn)
    local locked, lerr = store.lock()
    if not locked then
        return nil, lerr
    end
    local ok, changes, info, result = pcall(fn)
    if not ok then
        store.unlock()
        ngx.log(ngx.ERR, "graylane: admin change failed: ", changes)
        return nil, { status = 500, code = "internal", message = "internal error" }
    end
    if not changes then
        store.unlock()
        return nil, info
    end
    local cok, cres, cerr = pcall(store.commit, changes, info)
    store.unlock()
    if not cok then
        ngx.log(ngx.ERR, "graylane: commit failed: ", cres)
        return nil, { status = 500, code = "internal", message = "internal error" }
    end
    if not cres then
        return nil, cerr
    end
    return result
end

-- Managed services (managed_by set by the portal's pushes): a write needs
-- X-Graylane-Manager: <managed_by> or force. A forced write by someone else
-- keeps managed_by and revision as stored, so the portal sees the same
-- revision with different content: drift, which it shows and repairs.
local function managed_err(name, manager)
    local msg
    if manager == "portal" then
        msg = "service " .. name .. " is managed by the Graylane portal: change it in the portal or through"
            .. " its automation API (/api/v1/releases), or repeat with force=1 for an emergency change"
            .. " (the portal will show it as drift)"
    else
        msg = "service " .. name .. " is managed by " .. manager .. ": change it there, or repeat with"
            .. " force=1 for an emergency change (" .. manager .. " will see it as drift)"
    end
    return { status = 409, code = "managed_by_portal", field = "managed_by", message = msg }
end

-- true when the caller is the service's manager (or it has none)
function _M.is_manager(cur)
    local m = cur and cur.managed_by
    return m == nil or m == null or http.manager_header() == m
end

function _M.check_managed(cur, force)
    if force or _M.is_manager(cur) then
        return true
    end
    return nil, managed_err(cur.name, cur.managed_by)
end

function _M.check_if_match(cur)
    local want = http.if_match()
    if want == false then
        return nil, { status = 400, code = "invalid_if_match", field = "If-Match",
                      message = "If-Match must be a version number" }
    end
    if want ~= nil then
        local have = cur and cur.version or 0
        if want ~= have then
            return nil, { status = 412, code = "version_mismatch", field = "If-Match",
                          message = "the service is at version " .. have .. ", not " .. want }
        end
    end
    return true
end

-- The service (nil: a new one) is at the version If-Match names (when given)
-- and the caller may change it (managed_by, unless forced).
function _M.check_writable(cur, force)
    local ok, err = _M.check_if_match(cur)
    if not ok then
        return nil, err
    end
    return _M.check_managed(cur, force)
end

-- Inside mutate(): the current state of an existing service that
-- check_writable() allows to change.
function _M.load_existing(name, force)
    local cur = store.get(name)
    if not cur then
        return nil, { status = 404, code = "service_not_found", field = "name", message = "no service named " .. name }
    end
    local ok, err = _M.check_writable(cur, force)
    if not ok then
        return nil, err
    end
    return cur
end

-- A change may not take away the last stable-capable node unless forced.
function _M.guard(before, after, force)
    if force then
        return true
    end
    if validate.has_stable(before) and not validate.has_stable(after) then
        return nil, { status = 409, code = "no_stable_node", field = "nodes",
                      message = "this change would leave service " .. after.name
                          .. " with no node able to take stable traffic; repeat with force to do it anyway" }
    end
    return true
end

-- index and node of addr in st.nodes, or nil
function _M.find_node(st, addr)
    for i = 1, #st.nodes do
        if st.nodes[i].addr == addr then
            return i, st.nodes[i]
        end
    end
    return nil
end

function _M.new_service(name)
    return { name = name, revision = null, algorithm = "round_robin", nodes = array(),
             gray = validate.default_gray(), health = validate.health(nil) }
end

-- The next version of st after cur (nil: a new service).
function _M.bump(st, cur)
    st.version = (cur and cur.version or 0) + 1
    return st
end

return _M
