-- Restoring the state at a fresh start (init_by_lua): <state_dir>/state.json
-- is loaded service by service into graylane_state (layout: store.lua). A
-- service that fails validation, appears twice or does not fit in the dict is
-- quarantined to its own file and every other one loads; a file that is not a
-- snapshot at all is moved aside. After `nginx -s reload` the dict already
-- holds the live state and the file is not read.
local util = require "graylane.util"
local validate = require "graylane.validate"
local config = require "graylane.config"
local store = require "graylane.store"

local ngx = ngx
local ngx_now = ngx.now
local type = type
local ipairs = ipairs
local tostring = tostring

local STATE = ngx.shared.graylane_state

local _M = {}

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

-- The whole file is unusable (not JSON, unknown format): nil, why.
-- Otherwise the raw service entries and the last change record.
local function parse_snapshot(data)
    local snap, err = util.decode(data)
    if not util.is_object(snap) then
        return nil, "not a JSON object: " .. tostring(err)
    end
    if snap.format ~= store.SNAPSHOT_FORMAT then
        return nil, "unknown format " .. tostring(snap.format)
    end
    if not util.is_array(snap.services) then
        return nil, "services is not an array"
    end
    local lc = util.is_object(snap.last_change) and snap.last_change or nil
    return snap.services, lc
end

-- <state_dir>/state.quarantine/<name>.<UTC time>[-n].json: a service of the
-- snapshot that could not be loaded, kept with the reason; nil, err when it
-- could not be written (the caller then keeps the snapshot as it is).
local function write_quarantine(entry, name, reason)
    local dir = config.state_dir .. "/state.quarantine"
    local ok, err = util.mkdir(dir, 448)
    if not ok then
        return nil, err
    end
    local base = dir .. "/" .. name .. "." .. os.date("!%Y%m%dT%H%M%SZ")
    local target = base .. ".json"
    local n = 0
    while util.file_exists(target) do
        n = n + 1
        target = base .. "-" .. n .. ".json"
    end
    ok, err = util.write_atomic(target, util.encode({
        reason = reason,
        quarantined_at = ngx_now(),
        state_file = config.state_file,
        service = entry,
    }) .. "\n", 384)
    if not ok then
        return nil, err
    end
    return target
end

-- Services quarantined by the last fresh start: [{ name, reason, file, at }].
function _M.quarantined()
    local raw = STATE:get("q")
    local list = raw and util.decode(raw)
    return util.array(type(list) == "table" and list or {})
end

-- Loads every valid service of the snapshot; a service that fails validation
-- (or does not fit in the dict) is quarantined and every other one loads.
-- Returns the number loaded and the quarantine records.
local function load_services(entries)
    local loaded, quarantined, seen = 0, util.array(), {}
    local function quarantine(i, entry, why)
        local name = type(entry) == "table" and entry.name
        local label = validate.name(name) and name or ("services-" .. (i - 1))
        local file, err = write_quarantine(entry, label, why)
        if not file then
            ngx.log(ngx.ERR, "graylane: cannot quarantine service ", label, " of ", config.state_file,
                    " (", why, "): ", err, "; it is not loaded and stays in the state file until the next change")
            file = util.null
        else
            ngx.log(ngx.ERR, "graylane: service ", label, " of ", config.state_file, " is invalid (",
                    why, "); quarantined to ", file, ", the other services load")
        end
        quarantined[#quarantined + 1] = { name = type(name) == "string" and name or label,
                                          reason = why, file = file, at = ngx_now() }
    end
    for i = 1, #entries do
        local s = entries[i]
        local version = type(s) == "table" and s.version or nil
        local st, verr = validate.service(s, nil)
        if not st then
            quarantine(i, s, "services[" .. (i - 1) .. "]: " .. verr.message)
        elseif seen[st.name] then
            quarantine(i, s, "service " .. st.name .. " appears twice")
        else
            seen[st.name] = true
            st.version = util.is_integer(version) and version > 0 and version or 1
            local ok, err = store.commit({ { name = st.name, state = st } }, nil, { persist = false })
            if ok then
                loaded = loaded + 1
            else
                quarantine(i, s, "cannot be stored: " .. err.message)
            end
        end
    end
    return loaded, quarantined
end

-- Called from init_by_lua. After `nginx -s reload` the dict still holds the
-- live state (newer than or equal to the file), so the file is read only on a
-- fresh start. Returns true, or nil and why the dict could not be set up.
function _M.load()
    if not STATE:get("started") then
        local ok, err = STATE:safe_set("started", ngx_now())
        if not ok then
            return nil, "cannot initialise graylane_state: " .. tostring(err)
        end
    end
    if STATE:get("ver") then
        ngx.log(ngx.NOTICE, "graylane: keeping the state already in the shared dict (reload)")
        return true
    end
    for _, key in ipairs({ "seq", "lock", "lock_at" }) do
        local ok, err = STATE:safe_set(key, 0)
        if not ok then
            return nil, "cannot initialise " .. key .. ": " .. tostring(err)
        end
    end
    local data = util.read_file(config.state_file)
    local entries, lc
    if not data then
        ngx.log(ngx.NOTICE, "graylane: no state file at ", config.state_file, "; starting with no services")
    else
        entries, lc = parse_snapshot(data)
        if not entries then
            move_aside(config.state_file, lc)
            lc = nil
        else
            local loaded, quarantined = load_services(entries)
            ngx.log(ngx.NOTICE, "graylane: loaded ", loaded, " service(s) from ", config.state_file,
                    #quarantined > 0 and (", quarantined " .. #quarantined) or "")
            if #quarantined > 0 then
                local ok, err = STATE:safe_set("q", util.encode(quarantined))
                if not ok then
                    ngx.log(ngx.ERR, "graylane: cannot record the quarantine list: ", err)
                end
                local saved = true
                for i = 1, #quarantined do
                    saved = saved and quarantined[i].file ~= util.null
                end
                -- every bad service is safe in its quarantine file: the
                -- snapshot now holds exactly what is loaded
                if saved then
                    local wok, werr = store.save(lc and util.encode(lc))
                    if not wok then
                        ngx.log(ngx.ERR, "graylane: cannot rewrite ", config.state_file, ": ", werr)
                    end
                end
            end
        end
    end
    if lc then
        store.set_last_change(lc)
    end
    -- "ver" last: its presence marks the dict as loaded
    local ok, err = STATE:safe_set("ver", 1)
    if not ok then
        return nil, "cannot initialise ver: " .. tostring(err)
    end
    return true
end

return _M
