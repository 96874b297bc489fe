-- {record} of the device with this hot-desk extension, or {}.
local mac = redis.call('HGET', extensions, extension)
if not mac then return {} end
local rec = redis.call('HGET', devices, mac)
if not rec then return {} end
return {rec}
