-- The request-attribute parts of a gray rule: gray.match (a header, cookie or
-- query argument in a list of values or by prefix) and gray.percent_key (the
-- header or cookie whose value keys gray.percent instead of the client IP).
-- Part of the state schema (validate.lua), kept apart only for size; limits
-- from graylane.contract, failures are values like there.
local util = require "graylane.util"
local contract = require "graylane.contract"

local type = type
local fail = util.fail
local check_object = util.check_object
local null = util.null
local array = util.array

local _M = {}

local MATCH_NAME_MAX = contract.MATCH_NAME_MAX
local MATCH_VALUE_MAX = contract.MATCH_VALUE_MAX
local MAX_MATCH_RULES = contract.MAX_MATCH_RULES
local MAX_MATCH_VALUES = contract.MAX_MATCH_VALUES

local NAME_PATTERNS = {
    header = contract.HEADER_NAME_PATTERN,
    cookie = contract.COOKIE_NAME_PATTERN,
    query = contract.QUERY_NAME_PATTERN,
}
local set_of = util.set_of
local MATCH_SOURCES = set_of(contract.MATCH_SOURCES)
local KEY_SOURCES = set_of(contract.PERCENT_KEY_SOURCES)
local MATCH_SOURCE_LIST = table.concat(contract.MATCH_SOURCES, ", ")
local KEY_SOURCE_LIST = table.concat(contract.PERCENT_KEY_SOURCES, ", ")

local RULE_KEYS = { source = true, name = true, values = true, prefix = true }
local KEY_KEYS = { source = true, name = true }

local function valid_value(v)
    return type(v) == "string" and #v >= 1 and #v <= MATCH_VALUE_MAX and not v:find("[%c;]")
end

local function check_source_name(m, field, sources, list)
    if not sources[m.source] then
        return fail("invalid_gray", field .. ".source", field .. ".source must be one of " .. list)
    end
    local n = m.name
    if type(n) ~= "string" or #n > MATCH_NAME_MAX or not n:find(NAME_PATTERNS[m.source]) then
        return fail("invalid_gray", field .. ".name", "invalid " .. m.source .. " name")
    end
    return true
end

local function check_rule(m, field)
    local ok, err = check_object(m, RULE_KEYS, field .. ".", "invalid_gray", field,
                                 field .. " must be an object {source, name, values | prefix}")
    if not ok then
        return nil, err
    end
    ok, err = check_source_name(m, field, MATCH_SOURCES, MATCH_SOURCE_LIST)
    if not ok then
        return nil, err
    end
    local out = { source = m.source, name = m.name }
    if (m.values == nil) == (m.prefix == nil) then
        return fail("invalid_gray", field .. ".values", field .. " needs exactly one of values and prefix")
    end
    if m.prefix ~= nil then
        if not valid_value(m.prefix) then
            return fail("invalid_gray", field .. ".prefix", "invalid " .. m.source .. " value prefix")
        end
        out.prefix = m.prefix
        return out
    end
    local vs = m.values
    if not util.is_array(vs) or #vs < 1 or #vs > MAX_MATCH_VALUES then
        return fail("invalid_gray", field .. ".values", field .. ".values must be an array of 1-"
                    .. MAX_MATCH_VALUES .. " values")
    end
    out.values = array()
    for i = 1, #vs do
        if not valid_value(vs[i]) then
            local f = field .. ".values[" .. (i - 1) .. "]"
            return fail("invalid_gray", f, "invalid " .. m.source .. " value: 1-" .. MATCH_VALUE_MAX
                        .. " bytes, no control characters or ';'")
        end
        out.values[i] = vs[i]
    end
    return out
end

-- gray.match: nil (nothing stored) for null or []; else the checked copy.
function _M.match(list)
    if list == nil or list == null then
        return nil
    end
    if not util.is_array(list) or #list > MAX_MATCH_RULES then
        return fail("invalid_gray", "gray.match", "gray.match must be an array of at most "
                    .. MAX_MATCH_RULES .. " rules")
    end
    if #list == 0 then
        return nil
    end
    local out = array()
    for i = 1, #list do
        local r, err = check_rule(list[i], "gray.match[" .. (i - 1) .. "]")
        if not r then
            return nil, err
        end
        out[i] = r
    end
    return out
end

-- gray.percent_key: nil (the client IP keys percent) for null; else the checked copy.
function _M.percent_key(k)
    if k == nil or k == null then
        return nil
    end
    local field = "gray.percent_key"
    local ok, err = check_object(k, KEY_KEYS, field .. ".", "invalid_gray", field,
                                 field .. " must be an object {source, name} or null")
    if not ok then
        return nil, err
    end
    ok, err = check_source_name(k, field, KEY_SOURCES, KEY_SOURCE_LIST)
    if not ok then
        return nil, err
    end
    return { source = k.source, name = k.name }
end

return _M
