-- Replaces the PIN hash, clearing failures and lockout; returns {record, pin state} or {}.
local rec = redis.call('HGET', guests, id)
if not rec then return {} end
local state = hash .. '\t0\t0'
redis.call('HSET', pins, id, state)
return {rec, state}
