-- {record, pin state} of a guest, or {}.
local rec = redis.call('HGET', guests, id)
if not rec then return {} end
return {rec, redis.call('HGET', pins, id) or ''}
