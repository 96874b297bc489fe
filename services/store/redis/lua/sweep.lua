-- KEYS: by-host, by-guest, exp, ev
-- ARGV: max, maxlen
-- Cancels due associations (EXPIRED = 3, source EXPIRY = 5). Atomic, so replicas sweeping the
-- same tenant at once cancel each association exactly once.
local by_host, by_guest, exp, ev = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local due = redis.call('ZRANGEBYSCORE', exp, '-inf', fmt(now_ms()), 'LIMIT', 0, ARGV[1])
local out = {}
for _, h in ipairs(due) do
  redis.call('ZREM', exp, h)
  local rec = redis.call('HGET', by_host, h)
  if rec then
    redis.call('HDEL', by_host, h)
    redis.call('HDEL', by_guest, guest_of(rec))
    local id = append(ev, ARGV[2], '', {'t', 'C', 'h', h, 'r', '3', 's', '5', 'a', rec})
    out[#out + 1] = h
    out[#out + 1] = rec
    out[#out + 1] = id
  end
end
return out
