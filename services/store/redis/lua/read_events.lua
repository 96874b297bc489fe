-- {'TRIMMED'} when entries after `after` were trimmed away, else {'OK', up to `count` entries}.
local first = redis.call('XRANGE', ev, '-', '+', 'COUNT', 1)
if #first > 0 then
  local fields = first[1][2]
  local prev = '0-0'
  for i = 1, #fields, 2 do
    if fields[i] == 'p' then prev = fields[i + 1] end
  end
  if id_less(after, prev) then return {'TRIMMED'} end
end
return {'OK', redis.call('XRANGE', ev, '(' .. after, '+', 'COUNT', count)}
