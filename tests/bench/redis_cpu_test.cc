// Per-primary Redis CPU: parsing INFO cpu / commandstats as Redis 7 prints them, and the
// Redis-bound projection (scripts per CPU-second of the busiest primary).
#include "services/bench/redis_cpu.h"

#include <gtest/gtest.h>

namespace hotdesk::bench {
namespace {

constexpr char kCpu[] =
    "# CPU\r\nused_cpu_sys:1.500000\r\nused_cpu_user:2.250000\r\n"
    "used_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n"
    "used_cpu_sys_main_thread:1.000000\r\nused_cpu_user_main_thread:2.000000\r\n";
constexpr char kStats[] =
    "# Commandstats\r\n"
    "cmdstat_evalsha:calls=1000,usec=40000,usec_per_call=40.00,rejected_calls=0,failed_calls=0\r\n"
    "cmdstat_eval:calls=10,usec=1000,usec_per_call=100.00,rejected_calls=0,failed_calls=0\r\n"
    "cmdstat_hset:calls=2000,usec=2000,usec_per_call=1.00,rejected_calls=0,failed_calls=0\r\n"
    "cmdstat_wait:calls=1010,usec=500,usec_per_call=0.50,rejected_calls=0,failed_calls=0\r\n";

TEST(RedisCpu, ParsesMainThreadCpuScriptsAndWaits) {
  RedisCounters c = ParseRedisCounters(kCpu, kStats);
  EXPECT_DOUBLE_EQ(c.main_cpu, 3.0);
  EXPECT_DOUBLE_EQ(c.process_cpu, 3.75);
  EXPECT_EQ(c.scripts, 1010);
  EXPECT_DOUBLE_EQ(c.script_usec, 41000);
  EXPECT_EQ(c.commands, 4020);
  EXPECT_EQ(c.waits, 1010);
}

TEST(RedisCpu, OldRedisWithoutMainThreadFiguresFallsBackToTheProcess) {
  RedisCounters c = ParseRedisCounters("used_cpu_sys:1.0\nused_cpu_user:2.0\n", "");
  EXPECT_DOUBLE_EQ(c.main_cpu, 3.0);
  EXPECT_EQ(c.scripts, 0);
}

TEST(RedisCpu, ProjectionIsScriptsPerCpuSecondOfTheBusiestPrimary) {
  std::vector<RedisNodeAddr> primaries = {{"a", 1}, {"b", 2}, {"c", 3}};
  std::vector<RedisCounters> spent(3);
  spent[0].main_cpu = 0.5;
  spent[0].scripts = 10000;
  spent[0].script_usec = 300000;
  spent[1].main_cpu = 1.0;  // the busiest: 20,000 scripts in one CPU-second
  spent[1].scripts = 20000;
  spent[2].main_cpu = 0.25;
  spent[2].scripts = 5000;
  std::vector<NodeCpuRow> rows;
  std::vector<RedisProjection> projections;
  AppendRedisRows(primaries, "steady", spent, &rows, &projections);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].node, "a:1");
  EXPECT_DOUBLE_EQ(rows[0].cpu_usec_per_script, 50.0);
  EXPECT_DOUBLE_EQ(rows[0].script_usec_per_call, 30.0);
  ASSERT_EQ(projections.size(), 1u);
  EXPECT_EQ(projections[0].primaries, 3);
  EXPECT_EQ(projections[0].scripts, 35000);
  EXPECT_EQ(projections[0].busiest, "b:2");
  // Load grows until b saturates its core: 35,000 scripts per 1.0 CPU-second of b.
  EXPECT_DOUBLE_EQ(projections[0].scripts_per_sec, 35000.0);
}

TEST(RedisCpu, CountersSubtractAndAdd) {
  RedisCounters a = ParseRedisCounters(kCpu, kStats);
  RedisCounters zero = a - a;
  EXPECT_EQ(zero.scripts, 0);
  zero += a;
  EXPECT_EQ(zero.waits, a.waits);
}

}  // namespace
}  // namespace hotdesk::bench
