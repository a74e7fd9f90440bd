-- least_conn: the node with the fewest requests in flight per unit of weight,
-- counted in the shared dict by every worker (stats.lua, "if:" keys). Ties go
-- to the node after the one the previous request of this worker started at.
local usable = require "graylane.balancer.usable"

local STATS = ngx.shared.graylane_stats

local _M = {}

function _M.prepare()
end

function _M.pick(svc, pool, st, now, ign)
    local np = #pool
    local best, best_score
    svc.rr = svc.rr + 1
    local start = svc.rr
    for j = 0, np - 1 do
        local n = pool[(start + j) % np + 1]
        if usable(n, st, now, ign) then
            local score = (STATS:get(n.if_key) or 0) / n.weight
            if not best or score < best_score then
                best, best_score = n, score
            end
        end
    end
    return best
end

return _M
