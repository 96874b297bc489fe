-- Registers a guest with its PIN state ('' = no PIN) and its place in the disabled set.
if redis.call('HSETNX', guests, id, record) == 0 then return {'GUEST_EXISTS'} end
if pin_state ~= '' then redis.call('HSET', pins, id, pin_state) else redis.call('HDEL', pins, id) end
if enabled == '1' then redis.call('SREM', disabled_guests, id) else redis.call('SADD', disabled_guests, id) end
return {'OK'}
