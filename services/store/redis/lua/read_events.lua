-- {'TRIMMED'} when entries after `after` were trimmed away; {'LOST'} when `after` names an entry
-- this stream does not have although it should (its history was lost: a failover that dropped
-- acknowledged writes, a Redis restarted without its data); else {'OK', up to `count` entries}.
local first = redis.call('XRANGE', ev, '-', '+', 'COUNT', 1)
if #first == 0 then
  if after ~= '0-0' then return {'LOST'} end
  return {'OK', {}}
end
local prev = '0-0'
local fields = first[1][2]
for i = 1, #fields, 2 do
  if fields[i] == 'p' then prev = fields[i + 1] end
end
if id_less(after, prev) then return {'TRIMMED'} end
-- `after` must be an entry of this history: the first entry's predecessor, or still present.
if after ~= prev and #redis.call('XRANGE', ev, after, after) == 0 then return {'LOST'} end
return {'OK', redis.call('XRANGE', ev, '(' .. after, '+', 'COUNT', count)}
