-- Shared by every hotdesk script: the server sends this, then the API's enum values and the
-- script's named KEYS/ARGV as locals (services/store/redis/lua_script.h), then the script.
-- Keys of one tenant share the {tenant} hash tag, so each script touches one cluster slot.

-- "ms-seq" stream id comparison: true when a < b.
local function id_less(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end

-- Redis server time in Unix milliseconds (never the replicas' clocks).
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function fmt(n) return string.format('%.0f', n) end

-- The guest is the first tab-separated field of an association record.
local function guest_of(rec) return string.match(rec, '^([^\t]*)') end

-- Appends an event; every entry records its predecessor's id ('p') so that a reader can tell
-- exactly whether entries after its cursor were trimmed away.
local function append(stream, max_entries, request, fields)
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  local prev = '0-0'
  if #last > 0 then prev = last[1][1] end
  fields[#fields + 1] = 'p'
  fields[#fields + 1] = prev
  if request ~= '' then
    fields[#fields + 1] = 'q'
    fields[#fields + 1] = request
  end
  local id = redis.call('XADD', stream, 'MAXLEN', '~', max_entries, '*', unpack(fields))
  -- Wakes the replicas' live readers (sharded pub/sub on a channel named like the stream).
  redis.call('SPUBLISH', stream, id)
  return id
end

-- Idempotency: a stored first result for this request id, or nil.
local function replay(key, request, fp)
  if request == '' then return nil end
  local stored = redis.call('GET', key)
  if not stored then return nil end
  local s = cmsgpack.unpack(stored)
  if s[1] ~= fp then return {'REQ_MISMATCH'} end
  return s[2]
end

local function remember(key, request, fp, ttl_s, reply)
  if request ~= '' then
    redis.call('SET', key, cmsgpack.pack({fp, reply}), 'EX', ttl_s)
  end
  return reply
end
