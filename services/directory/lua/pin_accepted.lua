-- The attempt begun with `hash` matched: clear failures, lockout and the lockout escalation
-- unless the PIN changed, and give the attempt back to the budgets (a correct PIN is no guess).
local st = redis.call('HGET', pins, id)
if not st then return 0 end
local stored = string.match(st, '^([^\t]*)\t')
if stored ~= hash then return 0 end
redis.call('HSET', pins, id, stored .. '\t0\t0\t0')
for _, key in ipairs({source_budget, tenant_budget}) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 1
