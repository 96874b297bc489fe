-- Counts one PIN attempt before the (slow) hash comparison; see PinAttempt and PinLimits.
-- Pin state: hash \t failures \t locked_until_ms \t lockouts in a row (absent in older records).
-- Budgets first: a spent budget (of the caller, then of the tenant) refuses the attempt unchecked
-- and uncounted. An unknown guest spends them too (probing for guest ids is guessing).
per_source, per_tenant = tonumber(per_source), tonumber(per_tenant)
local function exhausted(key, limit)
  if limit <= 0 then return nil end
  if tonumber(redis.call('GET', key) or '0') >= limit then
    return math.max(redis.call('PTTL', key), 0)
  end
  return nil
end
local function spend()
  for _, b in ipairs({{source_budget, per_source}, {tenant_budget, per_tenant}}) do
    if b[2] > 0 and redis.call('INCR', b[1]) == 1 then
      redis.call('PEXPIRE', b[1], window_ms)
    end
  end
end
local ttl = exhausted(source_budget, per_source)
if ttl then return {'THROTTLED', 'source', fmt(ttl)} end
ttl = exhausted(tenant_budget, per_tenant)
if ttl then return {'THROTTLED', 'tenant', fmt(ttl)} end
if redis.call('HEXISTS', guests, id) == 0 then spend(); return {'NOT_FOUND'} end
local st = redis.call('HGET', pins, id)
if not st then return {'NO_PIN'} end
local stored, failures, locked, lockouts = string.match(st, '^([^\t]*)\t(%d+)\t(%d+)\t?(%d*)$')
if not stored or stored == '' then return {'NO_PIN'} end
failures = tonumber(failures)
locked = tonumber(locked)
lockouts = tonumber(lockouts) or 0
-- The n-th lockout in a row lasts lockout * 2^(n-1), at most the maximum.
local function lockout_for(n)
  return math.min(tonumber(lockout_ms) * 2 ^ math.min(math.max(n - 1, 0), 40),
                  tonumber(max_lockout_ms))
end
local now = now_ms()
if locked > now then return {'LOCKED', fmt(locked), fmt(lockout_for(lockouts))} end
if locked > 0 then failures = 0; locked = 0 end
local max = tonumber(max_attempts)
if failures >= max then failures = 0 end
failures = failures + 1
local dur = 0
if failures >= max then
  lockouts = lockouts + 1
  dur = lockout_for(lockouts)
  locked = now + dur
end
spend()
redis.call('HSET', pins, id,
           stored .. '\t' .. fmt(failures) .. '\t' .. fmt(locked) .. '\t' .. fmt(lockouts))
return {'PROCEED', stored, fmt(failures), fmt(locked), fmt(dur)}
