-- Counts one PIN attempt before the (slow) hash comparison; see PinAttempt.
-- Pin state: hash \t failures \t locked_until_ms.
if redis.call('HEXISTS', guests, id) == 0 then return {'NOT_FOUND'} end
local st = redis.call('HGET', pins, id)
if not st then return {'NO_PIN'} end
local stored, failures, locked = string.match(st, '^([^\t]*)\t(%d+)\t(%d+)$')
if not stored or stored == '' then return {'NO_PIN'} end
failures = tonumber(failures)
locked = tonumber(locked)
local now = now_ms()
if locked > now then return {'LOCKED', fmt(locked)} end
if locked > 0 then failures = 0; locked = 0 end
local max = tonumber(max_attempts)
if failures >= max then failures = 0 end
failures = failures + 1
if failures >= max then locked = now + tonumber(lockout_ms) end
redis.call('HSET', pins, id, stored .. '\t' .. fmt(failures) .. '\t' .. fmt(locked))
return {'PROCEED', stored, fmt(failures), fmt(locked)}
