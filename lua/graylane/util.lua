-- Small helpers shared by the admin API, the store and the data plane:
-- a deterministic JSON encoder (lua-cjson 2.1.0 cannot encode empty arrays),
-- the failure values of validation, file I/O with atomic replace, and a
-- constant-time compare.
local cjson = require "cjson.safe"
local ffi = require "ffi"
local bit = require "bit"

local type = type
local pairs = pairs
local tostring = tostring
local tonumber = tonumber
local concat = table.concat
local sort = table.sort
local floor = math.floor
local str_format = string.format
local str_byte = string.byte
local getmetatable = getmetatable
local setmetatable = setmetatable
local bxor = bit.bxor
local bor = bit.bor

local _M = {}

local ARRAY_MT = { __graylane_array = true }
_M.null = cjson.null

-- An array of names as a set ({ "a", "b" } -> { a = true, b = true }).
function _M.set_of(list)
    local set = {}
    for i = 1, #list do
        set[list[i]] = true
    end
    return set
end

-- Marks a table as a JSON array, so an empty one encodes as [] and not {}.
function _M.array(t)
    return setmetatable(t or {}, ARRAY_MT)
end

local function is_array(t)
    if getmetatable(t) == ARRAY_MT then
        return true
    end
    return t[1] ~= nil
end

local encode_into

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function escape_char(c)
    return ESCAPES[c] or str_format("\\u%04x", str_byte(c))
end

-- lua-cjson 2.1.0 escapes "/" as "\/"; this keeps it readable.
local function encode_string(s)
    if s:find('[%c"\\]') then
        s = s:gsub('[%c"\\]', escape_char)
    end
    return '"' .. s .. '"'
end

-- A number as JSON: integers without a fraction, others with 14 significant digits.
local function encode_number(v)
    if v ~= v or v == math.huge or v == -math.huge then
        return "null"
    end
    if floor(v) == v and v > -9007199254740992 and v < 9007199254740992 then
        return str_format("%d", v)
    end
    return str_format("%.14g", v)
end

encode_into = function(v, buf, n)
    local t = type(v)
    if t == "string" then
        n = n + 1
        buf[n] = encode_string(v)
    elseif t == "number" then
        n = n + 1
        buf[n] = encode_number(v)
    elseif t == "boolean" then
        n = n + 1
        buf[n] = v and "true" or "false"
    elseif t == "table" then
        if is_array(v) then
            n = n + 1
            buf[n] = "["
            for i = 1, #v do
                if i > 1 then
                    n = n + 1
                    buf[n] = ","
                end
                n = encode_into(v[i], buf, n)
            end
            n = n + 1
            buf[n] = "]"
        else
            local keys, nk = {}, 0
            for k in pairs(v) do
                nk = nk + 1
                keys[nk] = tostring(k)
            end
            sort(keys)
            n = n + 1
            buf[n] = "{"
            for i = 1, nk do
                local k = keys[i]
                if i > 1 then
                    n = n + 1
                    buf[n] = ","
                end
                n = n + 1
                buf[n] = encode_string(k)
                n = n + 1
                buf[n] = ":"
                n = encode_into(v[k], buf, n)
            end
            n = n + 1
            buf[n] = "}"
        end
    else
        -- nil, cjson.null and anything not representable
        n = n + 1
        buf[n] = "null"
    end
    return n
end

-- Encodes with sorted object keys so snapshots and responses are stable.
function _M.encode(v)
    local buf = {}
    encode_into(v, buf, 0)
    return concat(buf)
end

-- Sends a JSON response (body + newline, never cached) and ends the request;
-- the one responder of the admin API, the tester links and the proxy's error pages.
function _M.send_json(status, body, headers)
    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.header["Cache-Control"] = "no-store"
    if headers then
        for k, v in pairs(headers) do
            ngx.header[k] = v
        end
    end
    ngx.print(_M.encode(body), "\n")
    return ngx.exit(status)
end

-- Shared dicts by object, for log lines.
local DICT_NAMES = {}
for name, dict in pairs(ngx.shared) do
    DICT_NAMES[dict] = name
end

-- One write to a shared dict, dict[op](dict, key, ...) with op "set",
-- "safe_set", "add" or "incr". Returns what the op returns (true, or incr's
-- new value), or nil and the error. What can go wrong is logged here, the
-- same way for every dict: a failed write ("no memory": the dict is full) at
-- ERR, a write that evicted other entries to make room (forcible) at WARN.
function _M.dict_write(dict, op, key, ...)
    local v, err, forcible = dict[op](dict, key, ...)
    if not v then
        local name = DICT_NAMES[dict]
        ngx.log(ngx.ERR, "graylane: shared dict write failed: dict=", name, " op=", op, " key=", key,
                " err=", err, err == "no memory" and ("; it is full: raise lua_shared_dict " .. name) or "")
        return nil, err
    end
    if forcible then
        local name = DICT_NAMES[dict]
        ngx.log(ngx.WARN, "graylane: shared dict full, older entries evicted: dict=", name, " op=", op,
                " key=", key, "; raise lua_shared_dict ", name)
    end
    return v
end

function _M.decode(s)
    return cjson.decode(s)
end

-- A decoded JSON object: a table whose keys are all strings (or empty).
function _M.is_object(v)
    if type(v) ~= "table" or getmetatable(v) == ARRAY_MT then
        return false
    end
    for k in pairs(v) do
        if type(k) ~= "string" then
            return false
        end
    end
    return true
end

-- A decoded JSON array: keys 1..n (an empty table counts as an empty array).
function _M.is_array(v)
    if type(v) ~= "table" then
        return false
    end
    local n = 0
    for k in pairs(v) do
        if type(k) ~= "number" then
            return false
        end
        n = n + 1
    end
    return n == #v
end

-- A validation failure as a value: nil, { code, field, message }.
function _M.fail(code, field, message)
    return nil, { code = code, field = field, message = message }
end

-- true, or a failure naming the first key of obj that allowed does not have.
function _M.check_keys(obj, allowed, prefix)
    for k in pairs(obj) do
        if not allowed[k] then
            return _M.fail("unknown_field", prefix .. k, "unknown field " .. prefix .. k)
        end
    end
    return true
end

-- true when v is a JSON object with only `allowed` keys (an unknown one is named after
-- `prefix`); a failure `code` naming `field` with `message` when it is not an object.
function _M.check_object(v, allowed, prefix, code, field, message)
    if not _M.is_object(v) then
        return _M.fail(code, field, message)
    end
    return _M.check_keys(v, allowed, prefix)
end

function _M.is_integer(v)
    return type(v) == "number" and floor(v) == v and v > -9007199254740992
        and v < 9007199254740992
end

-- Compares a secret without an early exit on the first differing byte.
-- Sends a request on a connected cosocket, reads the answer with `pattern`
-- ("*a", "*l") and closes the socket: the answer, or nil and
-- "send: <why>" / "receive: <why>".
function _M.exchange(sock, request, pattern)
    local ok, err = sock:send(request)
    if not ok then
        sock:close()
        return nil, "send: " .. tostring(err)
    end
    local data
    data, err = sock:receive(pattern)
    sock:close()
    if not data then
        return nil, "receive: " .. tostring(err)
    end
    return data
end

function _M.secure_equals(a, b)
    if type(a) ~= "string" or type(b) ~= "string" then
        return false
    end
    local la, lb = #a, #b
    local diff = la == lb and 0 or 1
    if la == 0 then
        return false
    end
    for i = 1, lb do
        local ca = str_byte(a, ((i - 1) % la) + 1)
        diff = bor(diff, bxor(ca, str_byte(b, i)))
    end
    return diff == 0
end

function _M.read_file(path)
    local f, err = io.open(path, "rb")
    if not f then
        return nil, err
    end
    local data, rerr = f:read("*a")
    f:close()
    if not data then
        return nil, rerr
    end
    return data
end

function _M.file_exists(path)
    local f = io.open(path, "rb")
    if f then
        f:close()
        return true
    end
    return false
end

pcall(ffi.cdef, [[
int open(const char *pathname, int flags, int mode);
long write(int fd, const void *buf, size_t count);
int fsync(int fd);
int close(int fd);
int mkdir(const char *pathname, int mode);
char *strerror(int errnum);
]])

-- open(2) flags of this platform. Linux's values are in the kernel's
-- include/uapi/asm-generic/fcntl.h (octal: O_CREAT 0100, O_TRUNC 01000,
-- O_DIRECTORY 0200000); some architectures override them in
-- arch/<arch>/include/uapi/asm/fcntl.h: arm, arm64 and powerpc have
-- O_DIRECTORY 040000 (their 0200000 is O_DIRECT or O_LARGEFILE: with the
-- generic value, opening a directory failed on arm64 and the fsync that makes
-- a rename durable was skipped), mips has O_CREAT 0x100. Keys are LuaJIT's
-- ffi.arch names.
local O_RDONLY, O_WRONLY = 0, 1
local GENERIC = { creat = 64, trunc = 512, directory = 65536 }
local DIR_040000 = { creat = 64, trunc = 512, directory = 16384 }
local MIPS = { creat = 256, trunc = 512, directory = 65536 }
local O = ({
    arm = DIR_040000, arm64 = DIR_040000, arm64be = DIR_040000, ppc = DIR_040000,
    mips = MIPS, mipsel = MIPS, mips64 = MIPS, mips64el = MIPS, mips64r6 = MIPS, mips64r6el = MIPS,
})[ffi.arch] or GENERIC
local O_CREAT, O_TRUNC, O_DIRECTORY = O.creat, O.trunc, O.directory
local C = ffi.C

local function errno_msg()
    return ffi.string(C.strerror(ffi.errno()))
end

local function dirname(path)
    return path:match("^(.*)/[^/]*$") or "."
end

-- Writes data to path.tmp-<pid>, fsyncs, and renames over path, so a reader
-- (or a crash) sees either the old file or the new one, never half of one.
function _M.write_atomic(path, data, mode)
    local okp, pid = pcall(ngx.worker.pid)
    local tmp = path .. ".tmp-" .. tostring(okp and pid or 0)
    local fd = C.open(tmp, bor(O_WRONLY, O_CREAT, O_TRUNC), mode or 420)
    if fd < 0 then
        return nil, "open " .. tmp .. ": " .. errno_msg()
    end
    local len, off = #data, 0
    local buf = ffi.cast("const char *", data)
    while off < len do
        local w = tonumber(C.write(fd, buf + off, len - off))
        if w < 0 then
            local msg = errno_msg()
            C.close(fd)
            os.remove(tmp)
            return nil, "write " .. tmp .. ": " .. msg
        end
        off = off + w
    end
    if C.fsync(fd) ~= 0 then
        local msg = errno_msg()
        C.close(fd)
        os.remove(tmp)
        return nil, "fsync " .. tmp .. ": " .. msg
    end
    C.close(fd)
    local ok, err = os.rename(tmp, path)
    if not ok then
        os.remove(tmp)
        return nil, "rename " .. tmp .. ": " .. tostring(err)
    end
    -- the rename is durable once the directory is synced
    local dir = dirname(path)
    local dfd = C.open(dir, bor(O_RDONLY, O_DIRECTORY), 0)
    if dfd < 0 or C.fsync(dfd) ~= 0 then
        ngx.log(ngx.WARN, "graylane: cannot fsync directory ", dir, ": ", errno_msg(),
                "; ", path, " is written but may be lost on a power failure")
    end
    if dfd >= 0 then
        C.close(dfd)
    end
    return true
end

-- Creates a directory (one level); true when it exists afterwards.
function _M.mkdir(path, mode)
    if C.mkdir(path, mode or 448) == 0 then
        return true
    end
    local msg = errno_msg()
    local f = C.open(path, bor(O_RDONLY, O_DIRECTORY), 0)
    if f >= 0 then
        C.close(f)
        return true
    end
    return nil, "mkdir " .. path .. ": " .. msg
end

local function hex_byte(c)
    return str_format("%02x", str_byte(c))
end

-- Bytes -> lowercase hex.
function _M.to_hex(s)
    return (s:gsub(".", hex_byte))
end

function _M.random_hex(nbytes)
    local f = io.open("/dev/urandom", "rb")
    if not f then
        return nil, "cannot open /dev/urandom"
    end
    local raw = f:read(nbytes)
    f:close()
    return _M.to_hex(raw)
end

_M.encode_number = encode_number

return _M
