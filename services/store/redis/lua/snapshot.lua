-- Current associations and the id of the last event they reflect, read atomically.
local last = redis.call('XREVRANGE', ev, '+', '-', 'COUNT', 1)
local id = '0-0'
if #last > 0 then id = last[1][1] end
return {id, redis.call('HGETALL', by_host)}
