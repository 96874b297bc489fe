// hotdesk-bench attached to a running Redis + hotdesk-server (no --spawn): it must run every
// phase without errors, never FLUSH, and leave nothing behind but what was there before.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/support/processes.h"

namespace hotdesk::testing {
namespace {

using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(BenchAttached, RunsQuickAndRemovesOnlyItsOwnKeys) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  HotdeskServerProcess server;
  ASSERT_TRUE(server.Start(redis.addr(), {"--enable_bench_service", "--log_level=warn"}));
  // Someone else's data in the same Redis.
  redis.Cmd({"SET", "someone-else", "keep"});
  redis.Cmd({"HSET", "hotdesk:{other}:by-host", "d1", "rec"});

  std::string json = ::testing::TempDir() + "/bench_attached_" + std::to_string(getpid()) + ".json";
  std::string out, err;
  int rc = RunCommand(
      {HOTDESK_BENCH_BIN, "--server=" + server.addr(), "--redis_addr=" + redis.addr(), "--quick",
       "--tenant=bt", "--server_pid=" + std::to_string(server.process().pid()), "--json=" + json},
      &out, &err);
  ASSERT_EQ(rc, 0) << out << err;
  EXPECT_THAT(out, HasSubstr("errors: 0"));
  EXPECT_THAT(out, HasSubstr("Establish+Cancel throughput / empty-RPC ceiling"));
  std::string report = ReadAll(json);
  EXPECT_THAT(report, HasSubstr("\"phase\":\"steady\""));
  EXPECT_THAT(report, HasSubstr("\"errors\": 0"));

  // Everything the bench wrote is gone; the rest is untouched.
  EXPECT_EQ(redis.Cmd({"GET", "someone-else"}), "keep");
  EXPECT_EQ(redis.Cmd({"HGET", "hotdesk:{other}:by-host", "d1"}), "rec");
  EXPECT_EQ(redis.Cmd({"KEYS", "hotdesk:{bt-*"}), "");
  EXPECT_EQ(redis.Cmd({"SMEMBERS", "hotdesk:tenants"}), "");
  EXPECT_EQ(redis.Cmd({"ZRANGE", "hotdesk:due", "0", "-1"}), "");
  EXPECT_EQ(server.Stop(), 0);
}

TEST(BenchAttached, ServerWithoutBenchServiceIsAClearError) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start());
  HotdeskServerProcess server;
  ASSERT_TRUE(server.Start(redis.addr(), {"--log_level=warn"}));
  std::string out, err;
  int rc = RunCommand(
      {HOTDESK_BENCH_BIN, "--server=" + server.addr(), "--redis_addr=" + redis.addr(), "--quick"},
      &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("--enable_bench_service"));
  EXPECT_EQ(redis.Cmd({"DBSIZE"}), "0");
}

}  // namespace
}  // namespace hotdesk::testing
