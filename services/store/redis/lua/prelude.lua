-- Shared by every hotdesk script (prepended by the server). Keys of one tenant share the
-- {tenant} hash tag, so each script touches one cluster slot.

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
local function append(ev, maxlen, reqid, fields)
  local last = redis.call('XREVRANGE', ev, '+', '-', 'COUNT', 1)
  local prev = '0-0'
  if #last > 0 then prev = last[1][1] end
  fields[#fields + 1] = 'p'
  fields[#fields + 1] = prev
  if reqid ~= '' then
    fields[#fields + 1] = 'q'
    fields[#fields + 1] = reqid
  end
  local id = redis.call('XADD', ev, 'MAXLEN', '~', maxlen, '*', unpack(fields))
  -- Wakes the replicas' live readers (sharded pub/sub on a channel named like the stream).
  redis.call('SPUBLISH', ev, id)
  return id
end

-- Idempotency: a stored first result for this request id, or nil.
local function replay(reqkey, reqid, fingerprint)
  if reqid == '' then return nil end
  local stored = redis.call('GET', reqkey)
  if not stored then return nil end
  local s = cmsgpack.unpack(stored)
  if s[1] ~= fingerprint then return {'REQ_MISMATCH'} end
  return s[2]
end

local function remember(reqkey, reqid, fingerprint, ttl, reply)
  if reqid ~= '' then
    redis.call('SET', reqkey, cmsgpack.pack({fingerprint, reply}), 'EX', ttl)
  end
  return reply
end
