-- Smooth weighted round robin, nginx's algorithm. prepare() precomputes one
-- full cycle of it per pool (view.lua, when a service is built), so a request
-- whose nodes are all usable takes the next entry of the cycle; the algorithm
-- itself runs only while a node is ejected or on a retry.
local usable = require "graylane.balancer.usable"

local _M = {}

-- a cycle is `total weight` entries long: beyond this, run the algorithm
local MAX_CYCLE = 1000

local function cycle_of(pool)
    local np, total = #pool, 0
    for i = 1, np do
        total = total + pool[i].weight
    end
    if np < 2 or total > MAX_CYCLE then
        return nil
    end
    local cw, cycle = {}, {}
    for i = 1, np do
        cw[i] = 0
    end
    for k = 1, total do
        local best
        for i = 1, np do
            cw[i] = cw[i] + pool[i].weight
            if not best or cw[i] > cw[best] then
                best = i
            end
        end
        cw[best] = cw[best] - total
        cycle[k] = pool[best]
    end
    return cycle
end

function _M.prepare(pool)
    pool.cycle = cycle_of(pool)
    pool.pos = 0
end

-- the algorithm over the usable nodes (n.cw: each node's current weight)
local function smooth(pool, st, now, ign)
    local np = #pool
    if np == 1 then
        local n = pool[1]
        return usable(n, st, now, ign) and n or nil
    end
    local best, total = nil, 0
    for i = 1, np do
        local n = pool[i]
        if usable(n, st, now, ign) then
            local w = n.weight
            local cw = n.cw + w
            n.cw = cw
            total = total + w
            if not best or cw > best.cw then
                best = n
            end
        end
    end
    if best then
        best.cw = best.cw - total
    end
    return best
end

function _M.pick(svc, pool, st, now, ign)
    local cycle = pool.cycle
    if cycle and not svc.any_ejected and not st.tried then
        -- every node usable: the next step of the precomputed cycle
        local pos = pool.pos % #cycle + 1
        pool.pos = pos
        return cycle[pos]
    end
    return smooth(pool, st, now, ign)
end

return _M
