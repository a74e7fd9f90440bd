-- GET /metrics: the Prometheus text format (0.0.4) of the gateway and of every
-- node. Each metric family is one row of FAMILIES (name, type, help, labels,
-- where its value comes from); one renderer writes them all. The node walk
-- (pauses, caching of a big fleet's document) is report.lua's.
local restore = require "graylane.restore"
local stats = require "graylane.stats"
local health = require "graylane.health"
local report = require "graylane.report"

local concat = table.concat
local floor = math.floor
local str_format = string.format

local _M = {}

local I = stats.idx
local BUCKETS = stats.BUCKETS
local REQ, FAIL, LSUM, LCNT, B0, NB = I.REQ, I.FAIL, I.LSUM, I.LCNT, I.B0, I.NB

-- Labels of every per-node sample: the node's service and its address.
local NODE_LABELS = { "service", "node" }
local CLASSES = { "1xx", "2xx", "3xx", "4xx", "5xx" } -- counters 2..6 of stats.lua

-- Families in output order.
--   gateway = function() -> value: one sample without labels
--   node = function(c, now, key, checked, i) -> value or nil (no sample): one
--     sample per node, labels NODE_LABELS; c: stats.read() of the node, key
--     "service|addr", checked: its service has an active health check.
--     With label = { name, values }: one sample per value, i its index.
--   histogram = { bucket(c, b), sum(c), count(c) }: buckets of stats.BUCKETS
local FAMILIES = {
    { name = "graylane_quarantined_services", type = "gauge",
      help = "Services of the state file that failed validation at the last start and were quarantined.",
      gateway = function() return #restore.quarantined() end },
    { name = "graylane_node_requests_total", type = "counter",
      help = "Requests whose final try went to the node.",
      node = function(c) return c[REQ] end },
    { name = "graylane_node_responses_total", type = "counter",
      help = "Responses by status class.",
      label = { "class", CLASSES },
      node = function(c, _, _, _, i) return c[i + 1] end },
    { name = "graylane_node_connect_failures_total", type = "counter",
      help = "Tries that failed to connect, timed out or were reset.",
      node = function(c) return c[FAIL] end },
    { name = "graylane_node_in_flight", type = "gauge",
      help = "Requests currently in flight to the node.",
      node = function(c) return c.in_flight end },
    { name = "graylane_node_ejected", type = "gauge",
      help = "1 while the node is passively ejected.",
      node = function(c, now)
          local ej = c.ejected_until
          return (ej and ej > now) and 1 or 0
      end },
    { name = "graylane_node_healthy", type = "gauge",
      help = "Active health check: 1 healthy, 0 unhealthy (nodes with a check result only).",
      node = function(_, _, key, checked)
          local h = checked and health.active(key)
          if h == "healthy" then
              return 1
          elseif h == "unhealthy" then
              return 0
          end
          return nil
      end },
    { name = "graylane_node_upstream_latency_seconds", type = "histogram",
      help = "Upstream response time of the node.",
      histogram = {
          bucket = function(c, b) return c[B0 + b - 1] end,
          sum = function(c) return c[LSUM] end,
          count = function(c) return c[LCNT] end,
      } },
}

local function label_value(s)
    return (s:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", "\\n"))
end

local function num(v)
    if v == floor(v) then
        return str_format("%d", v)
    end
    return str_format("%.9g", v)
end

-- le="…" of each bucket, made once
local LE = {}
for b = 1, NB do
    LE[b] = ',le="' .. (BUCKETS[b] and num(BUCKETS[b]) or "+Inf") .. '"} '
end

-- The samples of family f for one node; l: its NODE_LABELS, rendered.
local function node_samples(f, rows, l, c, now, key, checked)
    local name = f.name
    local h = f.histogram
    if h then
        local cum = 0
        for b = 1, NB do
            cum = cum + h.bucket(c, b)
            rows[#rows + 1] = name .. "_bucket{" .. l .. LE[b] .. num(cum)
        end
        rows[#rows + 1] = name .. "_sum{" .. l .. "} " .. num(h.sum(c))
        rows[#rows + 1] = name .. "_count{" .. l .. "} " .. num(h.count(c))
    elseif f.label then
        local pre = name .. "{" .. l .. "," .. f.label[1] .. '="'
        local values = f.label[2]
        for i = 1, #values do
            rows[#rows + 1] = pre .. values[i] .. '"} ' .. num(f.node(c, now, key, checked, i))
        end
    else
        local v = f.node(c, now, key, checked)
        if v ~= nil then
            rows[#rows + 1] = name .. "{" .. l .. "} " .. num(v)
        end
    end
end

local L_SERVICE = NODE_LABELS[1] .. '="'
local L_NODE = '",' .. NODE_LABELS[2] .. '="'

-- The /metrics body of the named services and their node count.
local function render(names)
    local rows = {}
    for f = 1, #FAMILIES do
        rows[f] = {}
    end
    local total = report.walk(names, function(st, n, key, c, now, checked)
        local l = L_SERVICE .. label_value(st.name) .. L_NODE .. label_value(n.addr) .. '"'
        for f = 1, #FAMILIES do
            local fam = FAMILIES[f]
            if not fam.gateway then
                node_samples(fam, rows[f], l, c, now, key, checked)
            end
        end
    end, function() end)
    local out = {}
    for f = 1, #FAMILIES do
        local fam = FAMILIES[f]
        out[#out + 1] = "# HELP " .. fam.name .. " " .. fam.help
        out[#out + 1] = "# TYPE " .. fam.name .. " " .. fam.type
        if fam.gateway then
            out[#out + 1] = fam.name .. " " .. num(fam.gateway())
        elseif #rows[f] > 0 then
            out[#out + 1] = concat(rows[f], "\n")
        end
    end
    return concat(out, "\n") .. "\n", total
end

-- The /metrics body (of a big fleet: as report.lua keeps it).
function _M.text()
    return report.document("metrics", render)
end

return _M
