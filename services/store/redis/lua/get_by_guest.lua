-- KEYS: by-host, by-guest    ARGV: guest
local h = redis.call('HGET', KEYS[2], ARGV[1])
if not h then return false end
return {h, redis.call('HGET', KEYS[1], h)}
