-- Registers a device unless its MAC or hot-desk extension is taken.
if redis.call('HEXISTS', devices, mac) == 1 then return {'DEVICE_EXISTS'} end
local owner = redis.call('HGET', extensions, extension)
if owner then return {'EXTENSION_TAKEN', owner} end
redis.call('HSET', devices, mac, record)
redis.call('HSET', extensions, extension, mac)
return {'OK'}
