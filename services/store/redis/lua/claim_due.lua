-- Takes up to `max` tenants whose earliest expiry has come (by Redis time) off the due set for
-- `lease_ms`: their score becomes the claim, so other replicas leave them alone while this one
-- sweeps, and take them again if it never reports back. Claims end in .5 and expiries are
-- whole milliseconds, so release_due.lua can tell an untouched claim from a newer expiry.
-- Reply: the claim score, then the tenants.
local now = now_ms()
local tenants = redis.call('ZRANGEBYSCORE', due_set, '-inf', fmt(now), 'LIMIT', 0, max)
local claim = string.format('%.1f', now + tonumber(lease_ms) + 0.5)
for _, t in ipairs(tenants) do redis.call('ZADD', due_set, claim, t) end
table.insert(tenants, 1, claim)
return tenants
