-- The host of guest and its record, or nil.
local h = redis.call('HGET', by_guest, guest)
if not h then return false end
return {h, redis.call('HGET', by_host, h)}
