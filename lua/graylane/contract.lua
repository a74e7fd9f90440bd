-- The limits of the shared contract between the gateway and the portal
-- (TypeScript: lib/contract/limits.ts, MAX_NODES_PER_SERVICE etc.). A drift
-- test in the portal reads this file and compares the numbers, so keep it a
-- plain table of literals (a generator from the portal's schema will write it).
-- validate.lua enforces every one of them on every write path and on snapshot load.
return {
    -- nodes per service (PUT, POST node, /upstream_add, snapshot load)
    MAX_NODES = 512,
    -- service name: [A-Za-z0-9_-][A-Za-z0-9._-]{0,63}, so never "." or ".."
    NAME_MAX = 64,
    NAME_PATTERN = "^[A-Za-z0-9_-][A-Za-z0-9._-]*$",
    -- node weight, integer
    WEIGHT_MIN = 1,
    WEIGHT_MAX = 100,
    -- gray percent, at most two decimals
    PERCENT_MIN = 0,
    PERCENT_MAX = 100,
    PERCENT_DECIMALS = 2,
    -- CIDRs in a gray rule
    MAX_CIDRS = 256,
    -- balancing algorithms of a service
    ALGORITHMS = { "round_robin", "ip_hash", "least_conn" },
    -- node states
    NODE_STATES = { "active", "gray", "draining", "down" },
    -- gray rule header and cookie names (the tester cookie name too)
    HEADER_NAME_PATTERN = "^[A-Za-z0-9-]+$",
    COOKIE_NAME_PATTERN = "^[A-Za-z0-9_.-]+$",
    -- managed_by and X-Graylane-Manager
    MANAGER_PATTERN = "^[A-Za-z0-9._-]+$",
}
