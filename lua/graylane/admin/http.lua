-- The request and response side of the admin API, shared by its handlers:
-- JSON and text responses, the error shape {"error":{code,message,field}},
-- the JSON body, and the query/headers every write reads (force, If-Match,
-- X-Graylane-Manager).
local util = require "graylane.util"
local config = require "graylane.config"

local ngx = ngx
local var = ngx.var
local pairs = pairs
local type = type
local tostring = tostring
local tonumber = tonumber

local _M = {}

local send = util.send_json
_M.send = send

local CHUNK = 256 * 1024

-- A 200 with a body already rendered (JSON or text), never cached. A big
-- body (a 10k-node /metrics is ~20 MB) goes out a chunk at a time, waiting
-- for each to be written, so the worker serves proxied requests in between
-- instead of copying it all in one go.
function _M.send_text(body, content_type)
    ngx.status = 200
    ngx.header["Content-Type"] = content_type
    ngx.header["Cache-Control"] = "no-store"
    local n = #body
    if n <= CHUNK then
        ngx.print(body)
    else
        ngx.header["Content-Length"] = n
        for i = 1, n, CHUNK do
            ngx.print(body:sub(i, i + CHUNK - 1))
            local ok, err = ngx.flush(true)
            if not ok then
                ngx.log(ngx.INFO, "graylane: admin response cut off: ", err)
                return ngx.exit(ngx.OK)
            end
        end
    end
    return ngx.exit(200)
end

function _M.send_error(status, code, message, field, extra)
    local e = { code = code, message = message, field = field }
    if extra then
        for k, v in pairs(extra) do
            e[k] = v
        end
    end
    return send(status, { error = e })
end

-- err: { code, message, field, status? } from validate/store
function _M.send_err(err, status)
    return _M.send_error(err.status or status or 400, err.code, err.message, err.field)
end

-- The answer of a write: 200 with its result, or the error mutate() returned.
function _M.reply(result, err)
    if not result then
        return _M.send_err(err)
    end
    return send(200, result)
end

function _M.method_not_allowed(allowed)
    return send(405, { error = { code = "method_not_allowed", message = "use " .. allowed } },
                { Allow = allowed })
end

local function too_large_err()
    return { status = 413, code = "body_too_large", message = "body over " .. config.body_limit .. " bytes" }
end

-- The request body as a JSON object, or nil, err.
local function read_json_body()
    local len = tonumber(var.content_length or "")
    if len and len > config.body_limit then
        return nil, too_large_err()
    end
    ngx.req.read_body()
    local data = ngx.req.get_body_data()
    if not data then
        if ngx.req.get_body_file() then
            return nil, too_large_err()
        end
        return nil, { status = 400, code = "invalid_json", field = "body", message = "a JSON body is required" }
    end
    if #data > config.body_limit then
        return nil, too_large_err()
    end
    local obj, err = util.decode(data)
    if obj == nil then
        return nil, { status = 400, code = "invalid_json", field = "body",
                      message = "malformed JSON: " .. tostring(err) }
    end
    if not util.is_object(obj) then
        return nil, { status = 400, code = "invalid_body", field = "body", message = "body must be a JSON object" }
    end
    return obj
end

-- The request body as a JSON object; when there is none, the error is sent
-- and the request ends here.
function _M.json_body()
    local body, err = read_json_body()
    if not body then
        return _M.send_err(err)
    end
    return body
end

local function header(name)
    local h = ngx.req.get_headers()[name]
    if type(h) == "table" then
        h = h[1]
    end
    return h
end

-- X-Graylane-Manager: who says they manage the service (nil when absent).
function _M.manager_header()
    return header("x-graylane-manager")
end

-- The bearer token of the Authorization header, nil when there is none.
function _M.bearer_token()
    local h = header("authorization")
    if type(h) ~= "string" then
        return nil
    end
    return h:match("^[Bb]earer%s+(.+)$")
end

-- ?force=1|true, or "force": true in the body.
function _M.force_requested(body)
    local a = var.arg_force
    if a == "1" or a == "true" then
        return true
    end
    return type(body) == "table" and body.force == true
end

-- If-Match: <version> (optionally quoted); nil when absent, false when not a number.
function _M.if_match()
    local h = header("if-match")
    if h == nil then
        return nil
    end
    -- we answer If-Match ourselves; nginx's not_modified filter would otherwise
    -- compare it with the new ETag of our response and turn a success into 412
    ngx.req.clear_header("If-Match")
    local v = h:match('^%s*"?(%d+)"?%s*$')
    if not v then
        return false
    end
    return tonumber(v)
end

-- "<METHOD> <uri>": the action of the last-change record.
function _M.action()
    return ngx.req.get_method() .. " " .. var.uri
end

return _M
