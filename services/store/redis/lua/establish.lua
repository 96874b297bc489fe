-- Makes guest work at host, ending (SUPERSEDED) whatever stands in the way unless a policy
-- rejects it. Record: guest \t since_ms \t expire_ms \t source \t cursor \t record_tail
-- (record_tail = limit \t attributes, encoded by record_codec.cc).
local prior = replay(req, request_id, fingerprint)
if prior then return prior end

local function done(reply) return remember(req, request_id, fingerprint, request_ttl_s, reply) end

-- A registered guest with hot desking disabled may not log in anywhere (the directory keeps
-- the set). Unregistered guests are allowed.
if redis.call('SISMEMBER', disabled_guests, guest) == 1 then return done({'GUEST_DISABLED'}) end

local cur = redis.call('HGET', by_host, host)
if cur and guest_of(cur) == guest then return done({'UNCHANGED', cur}) end
if cur and reject_host_busy == '1' then return done({'HOST_BUSY', cur}) end
local gh = redis.call('HGET', by_guest, guest)
local grec = false
if gh then grec = redis.call('HGET', by_host, gh) end
if gh and reject_guest_elsewhere == '1' then return done({'GUEST_ELSEWHERE', gh, grec}) end

local now = now_ms()
local expms = 0
if tonumber(limit_ms) > 0 then
  expms = now + tonumber(limit_ms)
elseif daily_logout_ms ~= '' then
  -- The first daily logout instant after Redis time: the server sends those of the days around
  -- the request, so its own clock never decides (FirstDailyLogoutAfter in C++ is the same rule).
  for at in string.gmatch(daily_logout_ms, '%d+') do
    if tonumber(at) > now then expms = tonumber(at); break end
  end
  if expms == 0 then return {'CLOCK_SKEW'} end
end

local reply = {'OK', '', ''}
-- Each ended association gets its own CANCELLED (SUPERSEDED) event, host's guest first.
local function supersede(h, rec)
  redis.call('HDEL', by_host, h)
  redis.call('HDEL', by_guest, guest_of(rec))
  redis.call('ZREM', exp, h)
  local id = append(ev, maxlen, request_id,
                    {'t', 'C', 'h', h, 'r', CANCEL_REASON_SUPERSEDED, 's', source, 'a', rec})
  reply[#reply + 1] = h
  reply[#reply + 1] = rec
  reply[#reply + 1] = id
end
if cur then supersede(host, cur) end
if gh and grec then supersede(gh, grec) end

local head = guest .. '\t' .. fmt(now) .. '\t' .. fmt(expms) .. '\t' .. source .. '\t'
-- The event's own id is the association's cursor, so the event carries it empty.
local id = append(ev, maxlen, request_id, {'t', 'E', 'h', host, 's', source, 'a', head .. '\t' .. record_tail})
local rec = head .. id .. '\t' .. record_tail
redis.call('HSET', by_host, host, rec)
redis.call('HSET', by_guest, guest, host)
if expms > 0 then redis.call('ZADD', exp, expms, host) end
reply[2] = id
reply[3] = rec
return done(reply)
