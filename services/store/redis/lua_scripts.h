// The Lua scripts of the Redis store, embedded at build time from lua/*.lua.
#pragma once

extern const char kLua_prelude[];
extern const char kLua_establish[];
extern const char kLua_cancel[];
extern const char kLua_sweep[];
extern const char kLua_read_events[];
extern const char kLua_snapshot[];
extern const char kLua_get_by_guest[];
