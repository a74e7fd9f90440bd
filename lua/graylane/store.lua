-- The state store: services live in the graylane_state shared dict as JSON
-- bytes, and every committed change is also written atomically to
-- <state_dir>/state.json (loaded back at a fresh start by restore.lua).
--
-- Layout of graylane_state. Pointers and counters are numbers, changed in
-- place (never allocating); data keys are write-once, so a failed write on a
-- full dict never destroys the value it was meant to replace:
--   ver          bumped after every visible change (state or ejection), through
--                signal.bump(); workers read it when the change signal moves
--   sig          address of the change signal's word (signal.lua)
--   seq          allocator for data keys
--   v:<name>     -> "d:<seq>"  normalised service JSON (with its version);
--                the set of v: keys is the set of services
--   lc           -> "l:<seq>"  JSON of the last change (informational)
--   lock, lock_at  the admin write lock, taken with incr so that it works on
--                a full dict (deleting services must always be possible)
--   started      master start time (kept across reloads)
--   q            JSON of the services quarantined at the last fresh start (restore.lua)
local util = require "graylane.util"
local config = require "graylane.config"
local signal = require "graylane.signal"

local ngx = ngx
local ngx_now = ngx.now
local tostring = tostring
local concat = table.concat
local sort = table.sort
local dict_write = util.dict_write

local STATE = ngx.shared.graylane_state

local _M = {}

_M.SNAPSHOT_FORMAT = 1
local LOCK_TTL = 10
local LOCK_WAIT = 5

local function full_err(key, err)
    if err == "no memory" then
        return { status = 507, code = "shdict_full",
                 message = "the graylane_state shared dict is full; nothing was changed (raise its size)" }
    end
    return { status = 500, code = "shdict_error", message = "shared dict error on " .. key .. ": " .. tostring(err) }
end

-- Stores an immutable blob under a fresh key; returns the key's seq number.
local function put_blob(prefix, value)
    local seq, err = dict_write(STATE, "incr", "seq", 1, 0)
    if not seq then
        return nil, full_err("seq", err)
    end
    local key = prefix .. seq
    local ok, serr = dict_write(STATE, "safe_set", key, value)
    if not ok then
        return nil, full_err(key, serr)
    end
    return seq
end

function _M.version()
    return STATE:get("ver") or 0
end

-- Service names, sorted. get_keys locks the dict while it walks it; it runs
-- only on admin calls and on a worker's rebuild after a change, and the state
-- dict holds two keys per service.
function _M.names()
    local keys = STATE:get_keys(0)
    local out = {}
    for i = 1, #keys do
        local k = keys[i]
        if k:sub(1, 2) == "v:" then
            out[#out + 1] = k:sub(3)
        end
    end
    sort(out)
    return out
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

-- The data key's seq of a service's stored document (nil: no such service).
-- A document is written once under its seq: the same seq, the same document.
function _M.seq(name)
    return STATE:get("v:" .. name)
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

-- The lock is a counter of contenders: incr to 1 means we hold it, anything
-- higher means someone else does (we take our increment back and wait).
-- A holder that died (worker crash) is overridden after LOCK_TTL seconds.
function _M.lock()
    local deadline = ngx_now() + LOCK_WAIT
    while true do
        local n, err = STATE:incr("lock", 1, 0)
        if not n then
            return nil, full_err("lock", err)
        end
        if n <= 1 then
            if n < 1 then
                STATE:set("lock", 1) -- repair the drift a broken lock can leave
            end
            STATE:set("lock_at", ngx_now())
            return true
        end
        STATE:incr("lock", -1, 0)
        if ngx_now() - (STATE:get("lock_at") or 0) > LOCK_TTL then
            ngx.log(ngx.WARN, "graylane: breaking an admin lock held for more than ", LOCK_TTL, "s")
            STATE:set("lock", 0)
            STATE:set("lock_at", ngx_now())
        elseif ngx_now() > deadline then
            return nil, { status = 503, code = "busy", message = "another change is in progress; retry" }
        else
            ngx.sleep(0.002)
        end
    end
end

function _M.unlock()
    STATE:incr("lock", -1, 0)
end

-- Writes every service to the state file. lc_raw: the last change record
-- (JSON) when it is not in the dict yet.
local function write_snapshot(lc_raw)
    local names = _M.names()
    local raws = {}
    for i = 1, #names do
        local raw = _M.get_raw(names[i])
        if not raw then
            return nil, "service " .. names[i] .. " vanished while saving"
        end
        raws[i] = raw
    end
    if not lc_raw then
        local lcp = STATE:get("lc")
        lc_raw = lcp and STATE:get("l:" .. lcp) or nil
    end
    local body = concat({
        '{"format":', _M.SNAPSHOT_FORMAT,
        ',"gateway_id":', util.encode(config.gateway_id or ""),
        ',"saved_at":', util.encode(ngx_now()),
        ',"last_change":', lc_raw or "null",
        ',"services":[', concat(raws, ","), "]}\n",
    })
    return util.write_atomic(config.state_file, body, 384)
end
_M.save = write_snapshot

-- Informational: when the dict is too full to hold it, the change it
-- describes still stands (it is already stored).
local function set_last_change(info)
    local seq, err = put_blob("l:", util.encode(info))
    if not seq then
        ngx.log(ngx.WARN, "graylane: cannot record the last change: ", err.message)
        return
    end
    local old = STATE:get("lc")
    STATE:set("lc", seq)
    if old then
        STATE:delete("l:" .. old)
    end
end
_M.set_last_change = set_last_change

-- Applies a set of service changes atomically: either every change is in the
-- dict and on disk, or nothing changed. Must be called with the lock held
-- (or from init_by_lua, which is single-threaded).
--   changes: array of { name = "...", state = <normalised table> | false }
--   info:    last-change record (action, service, ...), or nil
--   opts.persist: write the snapshot (default true)
function _M.commit(changes, info, opts)
    local persist = not (opts and opts.persist == false)
    local new_blobs = {}      -- data keys to delete if we roll back
    local old_blobs = {}      -- data keys to delete once committed
    local restore = {}        -- pointer key -> old value (false: absent)
    local moved = false

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
        if moved then
            signal.bump()
        end
    end

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
        end
    end

    if info then
        info.at = ngx_now()
        set_last_change(info)
    end

    for i = 1, #changes do
        local key = "v:" .. changes[i].name
        local old = STATE:get(key)
        if restore[key] == nil then
            restore[key] = old or false
        end
        local ok, err
        if data[i] then
            ok, err = dict_write(STATE, "safe_set", key, data[i])
        else
            ok, err = STATE:delete(key)
        end
        if not ok then
            rollback()
            return nil, full_err(key, err)
        end
        moved = true
        if old then
            old_blobs[#old_blobs + 1] = "d:" .. old
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

    local ver, verr = signal.bump()
    if not ver then
        ngx.log(ngx.ERR, "graylane: cannot bump state version: ", verr)
    end
    for i = 1, #old_blobs do
        STATE:delete(old_blobs[i])
    end
    return true
end

return _M
