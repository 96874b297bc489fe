-- Ends the claims of one sweep. `swept` lists "tenant=next" separated by spaces, next being the
-- tenant's next expiry as sweep.lua reported it ('' for none; tenants are [a-z0-9-]). An
-- untouched claim becomes the next expiry, or goes when there is none; a score lowered
-- meanwhile (an Establish scheduled an earlier expiry) keeps the earlier of the two.
local n = 0
for t, next_ms in string.gmatch(swept, '([^ =]+)=(%d*)') do
  local cur = redis.call('ZSCORE', due_set, t)
  if cur and tonumber(cur) == tonumber(claim) then
    if next_ms == '' then redis.call('ZREM', due_set, t) else redis.call('ZADD', due_set, next_ms, t) end
  elseif next_ms ~= '' then
    redis.call('ZADD', due_set, 'LT', next_ms, t)
  end
  n = n + 1
end
return n
