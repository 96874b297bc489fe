// hotdesk-bench attached to hotdesk-server on Redis Cluster and on Sentinel-managed Redis (real
// redis-server / redis-sentinel processes on loopback): the bench's own Redis work goes to the
// primary that serves each tenant, the per-primary CPU rows cover every primary, the durability
// phase measures a server that really WAITs, and only the bench's keys are removed at the end.
// Timings are never asserted.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/support/processes.h"
#include "tests/support/redis_topologies.h"

namespace hotdesk::testing {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::testing::HasSubstr;

Struct ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  Struct s;
  auto status = google::protobuf::util::JsonStringToMessage(ss.str(), &s);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << ss.str();
  return s;
}

const Value& Field(const Struct& s, const std::string& key) {
  static const Value kNull;
  auto it = s.fields().find(key);
  return it == s.fields().end() ? kNull : it->second;
}

// The bench's rows for `phase` in "redis_nodes": node -> (scripts, wait calls).
std::map<std::string, std::pair<double, double>> RedisRows(const Struct& report,
                                                           const std::string& phase) {
  std::map<std::string, std::pair<double, double>> rows;
  for (const Value& v : Field(report, "redis_nodes").list_value().values()) {
    const Struct& row = v.struct_value();
    if (Field(row, "phase").string_value() != phase) continue;
    rows[Field(row, "node").string_value()] = {Field(row, "scripts").number_value(),
                                               Field(row, "wait_calls").number_value()};
  }
  return rows;
}

const Struct* PhaseRow(const Struct& report, const std::string& phase, const std::string& kind) {
  for (const Value& v : Field(report, "phases").list_value().values()) {
    const Struct& row = v.struct_value();
    if (Field(row, "phase").string_value() == phase && Field(row, "kind").string_value() == kind)
      return &row;
  }
  return nullptr;
}

// hotdesk-server on the deployment (its mode flags win over --redis_addr).
bool StartServer(RedisDeployment& redis, HotdeskServerProcess* server,
                 std::vector<std::string> extra = {}) {
  std::vector<std::string> flags = redis.ServerFlags();
  flags.push_back("--enable_bench_service");
  flags.push_back("--log_level=warn");
  flags.insert(flags.end(), extra.begin(), extra.end());
  return server->Start("127.0.0.1:1", flags);
}

TEST(BenchRedisModes, ClusterRoutesEveryTenantToItsPrimaryAndCleansUp) {
  RedisDeployment redis("cluster");
  ASSERT_TRUE(redis.Start());
  HotdeskServerProcess server;
  ASSERT_TRUE(StartServer(redis, &server));
  RedisClusterProcesses& cluster = *redis.cluster();
  // Someone else's tenant, on whichever primary serves it.
  ASSERT_EQ(redis.Cmd({"HSET", "hotdesk:{other}:by-host", "d1", "rec"}), "1");

  std::string json = ::testing::TempDir() + "/bench_cluster_" + std::to_string(getpid()) + ".json";
  std::vector<std::string> argv = {HOTDESK_BENCH_BIN,
                                   "--server=" + server.addr(),
                                   "--quick",
                                   "--tenant=bc",
                                   "--phases=storm,steady,redis-script,memory",
                                   "--json=" + json};
  for (const auto& f : redis.ServerFlags()) argv.push_back(f);
  std::string out, err;
  ASSERT_EQ(RunCommand(argv, &out, &err), 0) << out << err;
  EXPECT_THAT(out, HasSubstr("errors: 0"));
  EXPECT_THAT(out, HasSubstr("routing costs, not how Redis Cluster scales"));

  Struct report = ReadJson(json);
  const Struct& config = Field(report, "config").struct_value();
  EXPECT_EQ(Field(config, "redis_mode").string_value(), "cluster");
  EXPECT_EQ(Field(config, "redis_primaries").string_value(), "3");
  EXPECT_EQ(Field(config, "tenants_per_phase").string_value(), "48");
  EXPECT_EQ(Field(report, "errors").number_value(), 0);
  // The server's scripts and the bench's own (redis-script) reached all three primaries: had
  // the bench sent a tenant to the wrong node, MOVED would have counted as errors.
  for (const char* phase : {"steady", "redis-script"}) {
    auto rows = RedisRows(report, phase);
    EXPECT_EQ(rows.size(), 3u) << phase;
    for (const auto& [node, counts] : rows) EXPECT_GT(counts.first, 0) << phase << " " << node;
  }
  const Struct* script = PhaseRow(report, "redis-script", "establish");
  ASSERT_NE(script, nullptr);
  EXPECT_GT(Field(*script, "ops").number_value(), 0);
  EXPECT_THAT(Field(*script, "load").string_value(), HasSubstr("x3"));
  EXPECT_GT(Field(Field(report, "memory").struct_value(), "bytes_per_association").number_value(),
            0);

  // Every key the bench wrote is gone from every primary; the other tenant is untouched.
  for (size_t i = 0; i < cluster.size(); ++i) {
    if (cluster.node(i).Cmd({"ROLE"}).rfind("master", 0) != 0) continue;
    EXPECT_EQ(cluster.node(i).Cmd({"KEYS", "hotdesk:{bc-*"}), "") << cluster.node(i).addr();
  }
  EXPECT_EQ(redis.Cmd({"SMEMBERS", "hotdesk:tenants"}), "");
  EXPECT_EQ(redis.Cmd({"HGET", "hotdesk:{other}:by-host", "d1"}), "rec");
  EXPECT_EQ(server.Stop(), 0);
}

TEST(BenchRedisModes, SentinelDurabilityPhaseComparesAServerThatWaits) {
  RedisDeployment redis("sentinel");
  ASSERT_TRUE(redis.Start());
  HotdeskServerProcess plain, durable;
  ASSERT_TRUE(StartServer(redis, &plain));
  ASSERT_TRUE(StartServer(redis, &durable, {"--redis_wait_replicas=1"}));

  std::string json = ::testing::TempDir() + "/bench_sentinel_" + std::to_string(getpid()) + ".json";
  std::vector<std::string> argv = {HOTDESK_BENCH_BIN,
                                   "--server=" + plain.addr(),
                                   "--durable_server=" + durable.addr(),
                                   "--quick",
                                   "--tenant=bs",
                                   "--phases=durability,redis-script",
                                   "--json=" + json};
  for (const auto& f : redis.ServerFlags()) argv.push_back(f);
  std::string out, err;
  ASSERT_EQ(RunCommand(argv, &out, &err), 0) << out << err;
  EXPECT_THAT(out, HasSubstr("wait_replicas=1 / off: Establish+Cancel throughput"));

  Struct report = ReadJson(json);
  EXPECT_EQ(Field(Field(report, "config").struct_value(), "redis_mode").string_value(),
            "sentinel");
  EXPECT_EQ(Field(report, "errors").number_value(), 0);
  for (const char* phase : {"wait-0", "wait-1"}) {
    const Struct* row = PhaseRow(report, phase, "all");
    ASSERT_NE(row, nullptr) << phase;
    EXPECT_GT(Field(*row, "ops").number_value(), 0) << phase;
  }
  // The primary the sentinels name ran the scripts. Each mutation of the durable server is
  // followed by a WAIT; the plain server sends none (the few WAITs during wait-0 are the idle
  // durable server's own background work, e.g. its expiry sweeps).
  auto without = RedisRows(report, "wait-0");
  auto with = RedisRows(report, "wait-1");
  ASSERT_EQ(without.size(), 1u);
  ASSERT_EQ(with.size(), 1u);
  EXPECT_EQ(without.begin()->first,
            "127.0.0.1:" + std::to_string(redis.sentinel()->PrimaryPort()));
  auto [scripts0, waits0] = without.begin()->second;
  auto [scripts1, waits1] = with.begin()->second;
  EXPECT_GT(scripts0, 0);
  EXPECT_LT(waits0, scripts0 / 10);
  EXPECT_GE(waits1, scripts1 / 2);
  EXPECT_EQ(redis.Cmd({"KEYS", "hotdesk:{bs-*"}), "");
}

}  // namespace
}  // namespace hotdesk::testing
