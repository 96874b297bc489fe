-- KEYS: by-host, by-guest, exp, ev, req, guest (the Guests registry hash)
-- ARGV: host, guest, source, reject_host_busy, reject_guest_elsewhere, limit_ms, expire_at_ms,
--       record_tail, request_id, request_ttl_s, maxlen, fingerprint
-- Record: guest \t since_ms \t expire_ms \t source \t cursor \t limit \t attributes
local by_host, by_guest, exp, ev, reqkey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local registry = KEYS[6]
local host, guest, source = ARGV[1], ARGV[2], ARGV[3]
local reqid, ttl, maxlen, fp = ARGV[9], ARGV[10], ARGV[11], ARGV[12]

local prior = replay(reqkey, reqid, fp)
if prior then return prior end

-- A registered guest must have hot desking enabled (the registry stores JSON with proto field
-- names; false is omitted). Unregistered guests are allowed.
local reg = redis.call('HGET', registry, guest)
if reg and not string.find(reg, '"hotdesking_enabled":true', 1, true) then
  return remember(reqkey, reqid, fp, ttl, {'GUEST_DISABLED'})
end

local cur = redis.call('HGET', by_host, host)
if cur and guest_of(cur) == guest then
  return remember(reqkey, reqid, fp, ttl, {'UNCHANGED', cur})
end
if cur and ARGV[4] == '1' then
  return remember(reqkey, reqid, fp, ttl, {'HOST_BUSY', cur})
end
local gh = redis.call('HGET', by_guest, guest)
local grec = false
if gh then grec = redis.call('HGET', by_host, gh) end
if gh and ARGV[5] == '1' then
  return remember(reqkey, reqid, fp, ttl, {'GUEST_ELSEWHERE', gh, grec})
end

local now = now_ms()
local reply = {'OK', '', ''}
-- Each ended association gets its own CANCELLED (SUPERSEDED = 4) event, host's guest first.
local function supersede(h, rec)
  redis.call('HDEL', by_host, h)
  redis.call('HDEL', by_guest, guest_of(rec))
  redis.call('ZREM', exp, h)
  local id = append(ev, maxlen, reqid, {'t', 'C', 'h', h, 'r', '4', 's', source, 'a', rec})
  reply[#reply + 1] = h
  reply[#reply + 1] = rec
  reply[#reply + 1] = id
end
if cur then supersede(host, cur) end
if gh and grec then supersede(gh, grec) end

local expms = 0
if tonumber(ARGV[6]) > 0 then expms = now + tonumber(ARGV[6]) else expms = tonumber(ARGV[7]) end
local head = guest .. '\t' .. fmt(now) .. '\t' .. fmt(expms) .. '\t' .. source .. '\t'
-- The event's own id is the association's cursor, so the event carries it empty.
local id = append(ev, maxlen, reqid, {'t', 'E', 'h', host, 's', source, 'a', head .. '\t' .. ARGV[8]})
local rec = head .. id .. '\t' .. ARGV[8]
redis.call('HSET', by_host, host, rec)
redis.call('HSET', by_guest, guest, host)
if expms > 0 then redis.call('ZADD', exp, expms, host) end
reply[2] = id
reply[3] = rec
return remember(reqkey, reqid, fp, ttl, reply)
