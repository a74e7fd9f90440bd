-- ip_hash: the client address picks a node on a ring where each node appears
-- `weight` times, so the hash honours weights. A node that cannot take the
-- try passes it to the next one on the ring.
local gray = require "graylane.gray"
local usable = require "graylane.balancer.usable"

local _M = {}

function _M.prepare(pool)
    local ring = {}
    for i = 1, #pool do
        local n = pool[i]
        for _ = 1, n.weight do
            ring[#ring + 1] = n
        end
    end
    pool.ring = ring
end

function _M.pick(_, pool, st, now, ign)
    local ring = pool.ring
    local len = #ring
    local h = gray.client_hash(st)
    -- use bits the gray percentage does not use, so the two are independent
    local start = (h - h % 10000) / 10000 % len
    for i = 0, len - 1 do
        local n = ring[(start + i) % len + 1]
        if usable(n, st, now, ign) then
            return n
        end
    end
    return nil
end

return _M
