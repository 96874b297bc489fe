-- Compare-and-set of a guest record (expected = what the caller read); keeps the disabled set
-- in step with the record.
local cur = redis.call('HGET', guests, id)
if not cur then return {'NOT_FOUND'} end
if cur ~= expected then return {'CONFLICT'} end
redis.call('HSET', guests, id, record)
if enabled == '1' then redis.call('SREM', disabled_guests, id) else redis.call('SADD', disabled_guests, id) end
return {'OK', redis.call('HGET', pins, id) or ''}
