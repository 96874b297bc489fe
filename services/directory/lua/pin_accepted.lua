-- The attempt begun with `hash` matched: clear failures and lockout unless the PIN changed.
local st = redis.call('HGET', pins, id)
if not st then return 0 end
local stored = string.match(st, '^([^\t]*)\t')
if stored ~= hash then return 0 end
redis.call('HSET', pins, id, stored .. '\t0\t0')
return 1
