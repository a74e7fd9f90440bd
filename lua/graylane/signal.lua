-- The change signal: the state version ("ver" in graylane_state) published a
-- second time in a word of the same shared memory that every worker reads
-- with one plain load, so the request path reads the dict (mutex, key hash,
-- tree walk: ~0.36k instructions) only after a change.
--
-- The word is a 64-byte chunk (one cache line of its own: ngx_slab aligns a
-- chunk to its size) allocated from graylane_state's slab pool by the master
-- in init_by_lua; its address is kept in the dict under "sig". Every worker
-- is forked from the master after that and shares the mapping at the same
-- address, and nginx keeps a zone (same name and size) at its address across
-- `nginx -s reload`, so old workers still draining and new ones read and
-- write the same word; the word lives exactly as long as the "ver" it
-- mirrors (a fresh start, or a reload that resizes the dict, makes a new
-- zone, a new "ver" and a new word).
--
-- Why a reader never misses a change (view.lua get()): the reader loads the
-- word w, and only when w differs from the w it last acted on does it read
-- "ver" from the dict and rebuild, and then records w. Every bump() gets a
-- "ver" from incr that no other bump gets in this zone's life, and stores
-- that value in the word once, after the incr. So once a reader has seen w,
-- a store that comes later writes a different value: a change made after a
-- reader's dict read shows up as a word != w on its next request. The reader
-- reads the word before the dict, and the writer stores it after the dict's
-- incr (under the dict's mutex, whose lock and unlock are full barriers:
-- nginx's shmtx uses atomic compare-and-swap), so a reader that sees the new
-- word and then takes that mutex sees the incr too. The store reaches the
-- other cores as soon as the writer's store buffer drains (nanoseconds, and
-- before its next lock), long before a client that got the write's answer
-- can send another request.
local ffi = require "ffi"
require "resty.core.shdict"

local ngx = ngx
local C = ffi.C
local tonumber = tonumber
local tostring = tostring
local type = type

local STATE = ngx.shared.graylane_state
local SIZE = 64

local _M = {}

-- The start of nginx's ngx_shm_zone_t (core/ngx_cycle.h): data, then the
-- ngx_shm_t whose addr is the zone's slab pool and size its length.
pcall(ffi.cdef, [[
typedef struct {
    void          *data;
    unsigned char *addr;
    size_t         size;
} graylane_shm_zone_head_t;
void *ngx_slab_calloc(void *pool, size_t size);
]])

-- double *: the word (nil where it could not be set up)
local word

-- In init_by_lua, before restore.load(): finds the word of this zone (a
-- reload) or allocates it (a fresh zone). Returns the word for readers, or
-- nil and why not; bump() publishes to it whenever it exists.
function _M.init()
    local ok, zone = pcall(function()
        local z = C.ngx_http_lua_ffi_shdict_udata_to_zone(STATE[1])
        return ffi.cast("graylane_shm_zone_head_t *", z), C.ngx_slab_calloc
    end)
    if not ok then
        word = nil
        return nil, "nginx's shared memory is not reachable through the FFI: " .. tostring(zone)
    end
    local lo = tonumber(ffi.cast("uintptr_t", zone.addr))
    local hi = lo + tonumber(zone.size)
    local at = STATE:get("sig")
    local late = false
    if type(at) ~= "number" or at < lo or at + SIZE > hi then
        -- a running state without a word: a reload from code without the
        -- signal, whose draining workers bump "ver" without publishing it
        late = STATE:get("ver") ~= nil
        local p = C.ngx_slab_calloc(zone.addr, SIZE)
        if p == nil then
            word = nil
            return nil, "no room for it in graylane_state"
        end
        at = tonumber(ffi.cast("uintptr_t", p))
        local sok, err = STATE:safe_set("sig", at)
        if not sok then
            word = nil
            return nil, "cannot record its address: " .. tostring(err)
        end
    end
    word = ffi.cast("double *", at)
    if late then
        return nil, "made during a reload from code without it; in use from the next reload"
    end
    return word
end

-- Bumps the state version and publishes it: returns incr's answer (the new
-- version, or nil and the error). Every change of "ver" goes through here.
function _M.bump()
    local ver, err = STATE:incr("ver", 1, 0)
    if ver and word then
        word[0] = ver
    end
    return ver, err
end

return _M
