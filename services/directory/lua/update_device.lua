-- Compare-and-set of a device record (expected = what the caller read), moving its extension.
local cur = redis.call('HGET', devices, mac)
if not cur then return {'NOT_FOUND'} end
if cur ~= expected then return {'CONFLICT'} end
if old_extension ~= new_extension then
  local owner = redis.call('HGET', extensions, new_extension)
  if owner and owner ~= mac then return {'EXTENSION_TAKEN', owner} end
  if redis.call('HGET', extensions, old_extension) == mac then
    redis.call('HDEL', extensions, old_extension)
  end
  redis.call('HSET', extensions, new_extension, mac)
end
redis.call('HSET', devices, mac, record)
return {'OK'}
