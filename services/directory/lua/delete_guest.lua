-- Removes a guest, its PIN and its disabled mark; returns {record, pin state} or {}.
local rec = redis.call('HGET', guests, id)
if not rec then return {} end
local pin = redis.call('HGET', pins, id) or ''
redis.call('HDEL', guests, id)
redis.call('HDEL', pins, id)
redis.call('SREM', disabled_guests, id)
return {rec, pin}
