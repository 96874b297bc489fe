// The association store's scripts (lua/*.lua) with their named KEYS and ARGV (lua_script.h):
// used by RedisStore and by the live event reader (read_events).
#pragma once

#include "services/store/redis/lua_script.h"

namespace hotdesk {

const LuaScript& EstablishScript();
const LuaScript& CancelScript();
const LuaScript& SweepScript();
const LuaScript& ReadEventsScript();
const LuaScript& SnapshotScript();
const LuaScript& GetByGuestScript();

}  // namespace hotdesk
