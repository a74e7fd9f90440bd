-- Whether a node may take this try of a request: not tried by it already, and
-- not ejected (unless every usable node failed and ejected ones are the last
-- resort, `ignore_ejection`). Shared by every algorithm of the implementations
-- table in balancer/init.lua.
return function(n, st, now, ignore_ejection)
    local tried = st.tried
    if tried and tried[n] then
        return false
    end
    return ignore_ejection or n.ejected_until <= now
end
