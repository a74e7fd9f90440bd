-- The state store: services live in the graylane_state shared dict as JSON
-- bytes, and every committed change is also written atomically to
-- <state_dir>/state.json.
--
-- Layout of graylane_state (every pointer is a number, so replacing it never
-- allocates and cannot fail on a full dict; data keys are write-once):
--   ver          bumped after every visible change (state or ejection); workers
--                compare it with their cached value on each request
--   seq          allocator for data keys
--   names        -> "n:<seq>"  newline-joined service names
--   v:<name>     -> "d:<seq>"  normalised service JSON (with its version)
--   lc           -> "l:<seq>"  JSON of the last change
--   lock         admin write lock (token, 10 s ttl)
--   started      master start time (kept across reloads)
local util = require "graylane.util"
local validate = require "graylane.validate"
local config = require "graylane.config"

local ngx = ngx
local ngx_now = ngx.now
local tostring = tostring
local concat = table.concat

local STATE = ngx.shared.graylane_state

local _M = {}

local SNAPSHOT_FORMAT = 1
local LOCK_TTL = 10
local LOCK_WAIT = 5

local function full_err(key, err)
    if err == "no memory" then
        return { status = 507, code = "shdict_full",
                 message = "the graylane_state shared dict is full; nothing was changed (raise state_dict_size)" }
    end
    return { status = 500, code = "shdict_error", message = "shared dict error on " .. key .. ": " .. tostring(err) }
end

-- Stores an immutable blob under a fresh key; returns the key's seq number.
local function put_blob(prefix, value)
    local seq, err = STATE:incr("seq", 1, 0)
    if not seq then
        return nil, full_err("seq", err)
    end
    local key = prefix .. seq
    local ok, serr = STATE:safe_set(key, value)
    if not ok then
        return nil, full_err(key, serr)
    end
    return seq
end

function _M.version()
    return STATE:get("ver") or 0
end

function _M.names()
    local p = STATE:get("names")
    if not p then
        return {}
    end
    return util.split(STATE:get("n:" .. p) or "", "\n")
end

-- Raw JSON and its data seq for one service (nil when unknown).
function _M.get_raw(name)
    local seq = STATE:get("v:" .. name)
    if not seq then
        return nil
    end
    local raw = STATE:get("d:" .. seq)
    return raw, seq
end

function _M.get(name)
    local raw = _M.get_raw(name)
    if not raw then
        return nil
    end
    local st, err = util.decode(raw)
    if not st then
        return nil, "corrupt state for " .. name .. ": " .. tostring(err)
    end
    st.nodes = util.array(st.nodes)
    st.gray.cidrs = util.array(st.gray.cidrs)
    return st
end

function _M.last_change()
    local p = STATE:get("lc")
    if not p then
        return nil
    end
    local raw = STATE:get("l:" .. p)
    return raw and util.decode(raw) or nil
end

function _M.started()
    return STATE:get("started")
end

local lock_counter = 0

function _M.lock()
    lock_counter = lock_counter + 1
    local token = tostring(ngx.worker.pid()) .. ":" .. lock_counter .. ":" .. ngx_now()
    local deadline = ngx_now() + LOCK_WAIT
    while true do
        local ok, err = STATE:add("lock", token, LOCK_TTL)
        if ok then
            return token
        end
        if err ~= "exists" then
            return nil, full_err("lock", err)
        end
        if ngx_now() > deadline then
            return nil, { status = 503, code = "busy", message = "another change is in progress; retry" }
        end
        ngx.sleep(0.002)
    end
end

function _M.unlock(token)
    if STATE:get("lock") == token then
        STATE:delete("lock")
    end
end

local function snapshot_body(names, raws, lc_raw)
    return concat({
        '{"format":', SNAPSHOT_FORMAT,
        ',"gateway_id":', util.encode(config.gateway_id or ""),
        ',"saved_at":', util.encode(ngx_now()),
        ',"last_change":', lc_raw or "null",
        ',"services":[', concat(raws, ","), "]}\n",
    })
end

local function write_snapshot()
    local names = _M.names()
    local raws = {}
    for i = 1, #names do
        local raw = _M.get_raw(names[i])
        if not raw then
            return nil, "service " .. names[i] .. " vanished while saving"
        end
        raws[i] = raw
    end
    local lcp = STATE:get("lc")
    local lc_raw = lcp and STATE:get("l:" .. lcp) or nil
    return util.write_atomic(config.state_file, snapshot_body(names, raws, lc_raw), 384)
end

-- Applies a set of service changes atomically: either every change is in the
-- dict and on disk, or nothing changed. Must be called with the lock held
-- (or from init_by_lua, which is single-threaded).
--   changes: array of { name = "...", state = <normalised table> | false }
--   info:    last-change record (action, service, ...), or nil
--   opts.persist: write the snapshot (default true)
function _M.commit(changes, info, opts)
    local persist = not (opts and opts.persist == false)
    local new_blobs = {}      -- keys to delete if we roll back
    local old_blobs = {}      -- keys to delete once committed
    local restore = {}        -- pointer key -> old value (false: delete)

    local function rollback()
        for key, old in pairs(restore) do
            if old then
                STATE:safe_set(key, old)
            else
                STATE:delete(key)
            end
        end
        for i = 1, #new_blobs do
            STATE:delete(new_blobs[i])
        end
        if next(restore) then
            STATE:incr("ver", 1, 0)
        end
    end

    local names = _M.names()
    local present = {}
    for i = 1, #names do
        present[names[i]] = true
    end
    local names_changed = false
    local data = {}

    for i = 1, #changes do
        local c = changes[i]
        if c.state then
            local seq, err = put_blob("d:", util.encode(c.state))
            if not seq then
                rollback()
                return nil, err
            end
            new_blobs[#new_blobs + 1] = "d:" .. seq
            data[i] = seq
            if not present[c.name] then
                present[c.name] = true
                names[#names + 1] = c.name
                names_changed = true
            end
        elseif present[c.name] then
            present[c.name] = nil
            names_changed = true
        end
    end

    local names_seq
    if names_changed then
        local list = {}
        for i = 1, #names do
            if present[names[i]] then
                list[#list + 1] = names[i]
            end
        end
        table.sort(list)
        local err
        names_seq, err = put_blob("n:", concat(list, "\n"))
        if not names_seq then
            rollback()
            return nil, err
        end
        new_blobs[#new_blobs + 1] = "n:" .. names_seq
    end

    local lc_seq
    if info then
        info.at = ngx_now()
        local err
        lc_seq, err = put_blob("l:", util.encode(info))
        if not lc_seq then
            rollback()
            return nil, err
        end
        new_blobs[#new_blobs + 1] = "l:" .. lc_seq
    end

    local function set_ptr(key, value)
        local old = STATE:get(key)
        if restore[key] == nil then
            restore[key] = old or false
        end
        local ok, err
        if value then
            ok, err = STATE:safe_set(key, value)
        else
            ok, err = STATE:delete(key)
        end
        if not ok then
            return nil, full_err(key, err)
        end
        return old
    end

    for i = 1, #changes do
        local c = changes[i]
        local key = "v:" .. c.name
        local old, err = set_ptr(key, data[i] or false)
        if err then
            rollback()
            return nil, err
        end
        if old then
            old_blobs[#old_blobs + 1] = "d:" .. old
        end
    end
    if names_seq then
        local old, err = set_ptr("names", names_seq)
        if err then
            rollback()
            return nil, err
        end
        if old then
            old_blobs[#old_blobs + 1] = "n:" .. old
        end
    end
    if lc_seq then
        local old, err = set_ptr("lc", lc_seq)
        if err then
            rollback()
            return nil, err
        end
        if old then
            old_blobs[#old_blobs + 1] = "l:" .. old
        end
    end

    if persist then
        local ok, err = write_snapshot()
        if not ok then
            ngx.log(ngx.ERR, "graylane: cannot save ", config.state_file, ": ", err)
            rollback()
            return nil, { status = 500, code = "persist_failed",
                          message = "could not save the state file; nothing was changed: " .. tostring(err) }
        end
    end

    local ver, verr = STATE:incr("ver", 1, 0)
    if not ver then
        ngx.log(ngx.ERR, "graylane: cannot bump state version: ", verr)
    end
    for i = 1, #old_blobs do
        STATE:delete(old_blobs[i])
    end
    return true
end

local function move_aside(path, why)
    local base = path .. ".corrupt-" .. os.date("!%Y%m%dT%H%M%SZ")
    local target = base
    local n = 0
    while util.file_exists(target) do
        n = n + 1
        target = base .. "-" .. n
    end
    local ok, err = os.rename(path, target)
    if ok then
        ngx.log(ngx.ERR, "graylane: state file ", path, " is corrupt (", why,
                "); moved it to ", target, " and starting with no services")
    else
        ngx.log(ngx.ERR, "graylane: state file ", path, " is corrupt (", why,
                ") and could not be moved aside (", tostring(err),
                "); starting with no services")
    end
end

local function parse_snapshot(data)
    local snap, err = util.decode(data)
    if not util.is_object(snap) then
        return nil, "not a JSON object: " .. tostring(err)
    end
    if snap.format ~= SNAPSHOT_FORMAT then
        return nil, "unknown format " .. tostring(snap.format)
    end
    if not util.is_array(snap.services) then
        return nil, "services is not an array"
    end
    local changes, seen = {}, {}
    for i = 1, #snap.services do
        local s = snap.services[i]
        local version = type(s) == "table" and s.version or nil
        local st, verr = validate.service(s, nil)
        if not st then
            return nil, "services[" .. (i - 1) .. "]: " .. verr.message
        end
        if seen[st.name] then
            return nil, "service " .. st.name .. " appears twice"
        end
        seen[st.name] = true
        st.version = util.is_integer(version) and version > 0 and version or 1
        changes[#changes + 1] = { name = st.name, state = st }
    end
    local lc = util.is_object(snap.last_change) and snap.last_change or nil
    return changes, lc
end

-- Called from init_by_lua. After `nginx -s reload` the dict still holds the
-- live state (newer than or equal to the file), so the file is read only on a
-- fresh start.
function _M.load()
    if not STATE:get("started") then
        local ok, err = STATE:safe_set("started", ngx_now())
        if not ok then
            ngx.log(ngx.ERR, "graylane: cannot initialise graylane_state: ", err)
        end
    end
    if STATE:get("ver") then
        ngx.log(ngx.NOTICE, "graylane: keeping the state already in the shared dict (reload)")
        return true
    end
    for _, key in ipairs({ "ver", "seq" }) do
        local ok, err = STATE:safe_set(key, 0)
        if not ok then
            return nil, "cannot initialise " .. key .. ": " .. tostring(err)
        end
    end
    local data = util.read_file(config.state_file)
    if not data then
        ngx.log(ngx.NOTICE, "graylane: no state file at ", config.state_file, "; starting with no services")
        return true
    end
    local changes, lc = parse_snapshot(data)
    if not changes then
        move_aside(config.state_file, lc)
        return true
    end
    local ok, err = _M.commit(changes, nil, { persist = false })
    if not ok then
        ngx.log(ngx.ERR, "graylane: cannot load ", config.state_file, " into the shared dict: ",
                err.message, "; starting with no services")
        return nil, err.message
    end
    if lc then
        local seq = put_blob("l:", util.encode(lc))
        if seq then
            STATE:safe_set("lc", seq)
        end
    end
    ngx.log(ngx.NOTICE, "graylane: loaded ", #changes, " service(s) from ", config.state_file)
    return true
end

return _M
