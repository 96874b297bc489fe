-- KEYS: by-host, by-guest, exp, ev, req
-- ARGV: host, guest, reason, source, request_id, request_ttl_s, maxlen, fingerprint
local by_host, by_guest, exp, ev, reqkey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local reqid, ttl, maxlen, fp = ARGV[5], ARGV[6], ARGV[7], ARGV[8]

local prior = replay(reqkey, reqid, fp)
if prior then return prior end

local host = ARGV[1]
if host == '' then
  host = redis.call('HGET', by_guest, ARGV[2])
  if not host then return remember(reqkey, reqid, fp, ttl, {'NOT_FOUND'}) end
end
local rec = redis.call('HGET', by_host, host)
if not rec then return remember(reqkey, reqid, fp, ttl, {'NOT_FOUND'}) end
if ARGV[2] ~= '' and guest_of(rec) ~= ARGV[2] then
  return remember(reqkey, reqid, fp, ttl, {'NOT_ASSOCIATED', host, rec})
end
redis.call('HDEL', by_host, host)
redis.call('HDEL', by_guest, guest_of(rec))
redis.call('ZREM', exp, host)
local id = append(ev, maxlen, reqid, {'t', 'C', 'h', host, 'r', ARGV[3], 's', ARGV[4], 'a', rec})
return remember(reqkey, reqid, fp, ttl, {'OK', host, rec, id})
