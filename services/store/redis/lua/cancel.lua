-- Ends the association of host (or of guest when host is ''); guest given with host must match.
local prior = replay(req, request_id, fingerprint)
if prior then return prior end

local h = host
if h == '' then
  h = redis.call('HGET', by_guest, guest)
  if not h then return remember(req, request_id, fingerprint, request_ttl_s, {'NOT_FOUND'}) end
end
local rec = redis.call('HGET', by_host, h)
if not rec then return remember(req, request_id, fingerprint, request_ttl_s, {'NOT_FOUND'}) end
if guest ~= '' and guest_of(rec) ~= guest then
  return remember(req, request_id, fingerprint, request_ttl_s, {'NOT_ASSOCIATED', h, rec})
end
redis.call('HDEL', by_host, h)
redis.call('HDEL', by_guest, guest_of(rec))
redis.call('ZREM', exp, h)
local id = append(ev, maxlen, request_id, {'t', 'C', 'h', h, 'r', reason, 's', source, 'a', rec})
return remember(req, request_id, fingerprint, request_ttl_s, {'OK', h, rec, id})
