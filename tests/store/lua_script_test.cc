#include "services/store/redis/lua_script.h"

#include <gtest/gtest.h>

#include "hotdesk/v1/association.pb.h"

namespace hotdesk {
namespace {

constexpr char kBody[] = "return {host, guest, by_host, CANCEL_REASON_EXPIRED}";

TEST(LuaScriptTest, BindsNamesAsLocalsAfterThePreludeAndConstants) {
  LuaScript s("t", kBody, {"by_host"}, {"host", "guest"});
  const std::string& text = s.redis_script().body();
  EXPECT_EQ(text.find(LuaPreamble()), 0u);
  EXPECT_NE(text.find("local by_host = KEYS[1]\n"), std::string::npos);
  EXPECT_NE(text.find("local host = ARGV[1]\nlocal guest = ARGV[2]\n"), std::string::npos);
  EXPECT_LT(text.find("local guest = ARGV[2]"), text.find(kBody));
}

TEST(LuaScriptTest, EnumValuesComeFromTheApi) {
  EXPECT_NE(LuaPreamble().find("local CANCEL_REASON_SUPERSEDED = '" +
                               std::to_string(v1::CANCEL_REASON_SUPERSEDED) + "'"),
            std::string::npos);
  EXPECT_NE(LuaPreamble().find("local SOURCE_EXPIRY = '" + std::to_string(v1::SOURCE_EXPIRY) + "'"),
            std::string::npos);
}

TEST(LuaScriptTest, BindOrdersByDeclaredName) {
  LuaScript s("t", kBody, {"by_host"}, {"host", "guest"});
  ScriptCall c = Bind(s, {{"by_host", "K"}}, {{"guest", "G"}, {"host", "H"}});
  EXPECT_EQ(c.script, &s.redis_script());
  EXPECT_EQ(c.keys, std::vector<std::string>({"K"}));
  EXPECT_EQ(c.args, std::vector<std::string>({"H", "G"}));
}

TEST(LuaScriptDeathTest, MisuseIsCaughtWithTheName) {
  LuaScript s("t", kBody, {"by_host"}, {"host", "guest"});
  EXPECT_DEATH(Bind(s, {{"by_host", "K"}}, {{"host", "H"}}), "");
  EXPECT_DEATH(Bind(s, {{"by_host", "K"}}, {{"host", "H"}, {"gust", "G"}}), "");
  EXPECT_DEATH(LuaScript("t", kBody, {"by_host"}, {"host", "guest", "unused"}), "");
  EXPECT_DEATH(LuaScript("t", "return ARGV[1]", {}, {}), "");
  EXPECT_DEATH(LuaScript("t", kBody, {"by_host"}, {"host", "host"}), "");
  EXPECT_DEATH(LuaScript("t", kBody, {"by-host"}, {}), "");
}

}  // namespace
}  // namespace hotdesk
