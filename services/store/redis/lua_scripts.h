// The Lua scripts of the Redis store, embedded at build time from lua/*.lua.
#pragma once

#include "services/redis/redis_client.h"

extern const char kLua_prelude[];
extern const char kLua_establish[];
extern const char kLua_cancel[];
extern const char kLua_sweep[];
extern const char kLua_read_events[];
extern const char kLua_snapshot[];
extern const char kLua_get_by_guest[];

namespace hotdesk {
// The script `body` (one of the kLua_* above) with the shared prelude, built and hashed once.
const RedisScript& Script(const char* body);
}  // namespace hotdesk
