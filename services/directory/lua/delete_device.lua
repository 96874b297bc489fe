-- Removes a device if unchanged since the caller read it, and its extension index entry.
local cur = redis.call('HGET', devices, mac)
if not cur then return {'NOT_FOUND'} end
if cur ~= expected then return {'CONFLICT'} end
redis.call('HDEL', devices, mac)
if redis.call('HGET', extensions, extension) == mac then redis.call('HDEL', extensions, extension) end
return {'OK'}
