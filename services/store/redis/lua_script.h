// The Lua scripts of hotdesk (services/store/redis/lua/, services/directory/lua/) with named KEYS
// and ARGV. Each script is sent as: the one prelude (lua/prelude.lua), the enum constants of the
// API as Lua locals (CANCEL_REASON_EXPIRED = '3', SOURCE_EXPIRY = '5', ...), then a
// `local <name> = KEYS[i]` / `ARGV[i]` line per declared name, then the body. The caller binds
// arguments by the same names (Bind), so C++ and Lua agree by name, never by position.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "services/redis/redis_client.h"

namespace hotdesk {

class LuaScript {
 public:
  // `body` is an embedded lua/<name>.lua. Checked here (a violation aborts, so any test that
  // runs the script catches it): the names are Lua identifiers, unique, each used by the body,
  // and the body reads no KEYS[i]/ARGV[i] itself.
  LuaScript(std::string name, const char* body, std::vector<std::string> key_names,
            std::vector<std::string> arg_names);

  const std::string& name() const { return name_; }
  const std::string& body() const { return body_; }
  const std::vector<std::string>& key_names() const { return key_names_; }
  const std::vector<std::string>& arg_names() const { return arg_names_; }
  // What Redis runs (prelude, constants, bindings, body) and its SHA1.
  const RedisScript& redis_script() const { return script_; }

 private:
  std::string name_;
  std::string body_;
  std::vector<std::string> key_names_;
  std::vector<std::string> arg_names_;
  RedisScript script_;
};

// A script call with its KEYS and ARGV in the script's order.
struct ScriptCall {
  const RedisScript* script;
  std::vector<std::string> keys;
  std::vector<std::string> args;
};

using NamedValues = std::vector<std::pair<std::string, std::string>>;

// Orders `keys` and `args` as the script declares them. Every declared name must be given
// exactly once and nothing else: a mismatch is a programming error and aborts with the name.
ScriptCall Bind(const LuaScript& script, NamedValues keys, NamedValues args);

// Sends a bound call (EVALSHA, EVAL on NOSCRIPT); `write` as RedisClient::Eval takes it.
void RunScript(RedisClient* client, ScriptCall call, absl::Time deadline, RedisClient::Callback cb,
               RedisClient::Write write = RedisClient::Write::kNo);

// The prelude and the constants every script starts with (for tests and tools).
const std::string& LuaPreamble();

}  // namespace hotdesk
