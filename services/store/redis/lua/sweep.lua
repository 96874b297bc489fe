-- Cancels due associations (EXPIRED, source EXPIRY). Atomic, so replicas sweeping the same
-- tenant at once cancel each association exactly once.
local due = redis.call('ZRANGEBYSCORE', exp, '-inf', fmt(now_ms()), 'LIMIT', 0, max)
local out = {}
for _, h in ipairs(due) do
  redis.call('ZREM', exp, h)
  local rec = redis.call('HGET', by_host, h)
  if rec then
    redis.call('HDEL', by_host, h)
    redis.call('HDEL', by_guest, guest_of(rec))
    local id = append(ev, maxlen, '',
                      {'t', 'C', 'h', h, 'r', CANCEL_REASON_EXPIRED, 's', SOURCE_EXPIRY, 'a', rec})
    out[#out + 1] = h
    out[#out + 1] = rec
    out[#out + 1] = id
  end
end
return out
