// hotdesk-bench: flags (or HOTDESK_* environment variables) -> BenchConfig -> RunBench; prints
// the table, writes JSON. Exit 0 unless a call failed or the system could not be started;
// timings never decide the exit code.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "services/bench/bench_run.h"
#include "services/bench/config.h"
#include "services/bench/spawn.h"
#include "services/common/env_flags.h"
#include "services/redis/redis_flags.h"

ABSL_FLAG(bool, spawn, false,
          "start an own Redis and hotdesk-server (loopback, temp dir), stop them at the end");
ABSL_FLAG(std::string, spawn_redis, "single",
          "--spawn: single (one redis-server) or cluster (--spawn_primaries primaries)");
ABSL_FLAG(int, spawn_primaries, 3, "--spawn_redis=cluster: primaries (slots split evenly)");
ABSL_FLAG(std::string, server_bin, "",
          "hotdesk-server binary for --spawn (default: next to hotdesk-bench)");
ABSL_FLAG(std::string, redis_server_bin, "redis-server", "redis-server binary for --spawn");
ABSL_FLAG(std::string, server, "",
          "without --spawn: host:port of a hotdesk-server started "
          "with --enable_bench_service");
ABSL_FLAG(int, server_pid, 0, "without --spawn: the server's PID, for its RSS (0 = skip)");
ABSL_FLAG(std::string, durable_server, "",
          "without --spawn: host:port of a second server with --redis_wait_replicas=1 on the "
          "same Redis, for the durability phase (empty: skip it)");
ABSL_FLAG(int, durable_server_pid, 0, "the --durable_server's PID, for its CPU (0 = skip)");
ABSL_FLAG(int, tenants, 0,
          "tenants each association phase is spread over (their hash slots pick the primaries "
          "on a cluster); 0 = 1, or 48 on a cluster");
ABSL_FLAG(std::string, key_prefix, "hotdesk", "the server's --key_prefix");
ABSL_FLAG(int64_t, stream_retention, 100000, "the server's --stream_retention");
ABSL_FLAG(std::string, tenant, "",
          "base tenant (phases use <tenant>-<phase>); default bench, or bench-<pid> when attached");
ABSL_FLAG(int, channels, 4, "gRPC channels (connections) for the unary phases");
ABSL_FLAG(int, inflight, 16, "calls in flight per channel (closed loop)");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "warm-up per timed phase (not measured)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(4), "measured time per timed phase");
ABSL_FLAG(int, storm_desks, 20000, "login storm: distinct desks, one Establish each");
ABSL_FLAG(int, roam_hosts, 200, "roaming: host space");
ABSL_FLAG(int, roam_guests, 200, "roaming: guest space");
ABSL_FLAG(int, redis_window, 128, "Redis ceiling: commands in flight per connection");
ABSL_FLAG(absl::Duration, redis_duration, absl::Seconds(2), "Redis ceiling: measured time");
ABSL_FLAG(int, watchers, 1000, "event delivery: WatchEvents streams on the one server");
ABSL_FLAG(int, watch_channels, 4, "event delivery: channels the watchers are spread over");
ABSL_FLAG(double, event_rate, 100, "event delivery: events per second");
ABSL_FLAG(absl::Duration, event_duration, absl::Seconds(3), "event delivery: producing time");
ABSL_FLAG(int64_t, memory_associations, 100000, "memory: associations for the INFO delta");
ABSL_FLAG(std::string, json, "", "write the results as JSON to this path");
ABSL_FLAG(std::string, phases, "",
          "comma-separated phases to run (default all): ping,storm,roaming,steady,half-peak,"
          "redis-script,watch,memory,durability (half-peak also runs steady, for its rate)");
ABSL_FLAG(bool, quick, false,
          "smoke mode: tiny durations and counts (10 watchers, 1,000 memory associations)");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "hotdesk-bench: load generator and reporter for hotdesk-server.\n"
      "  hotdesk-bench --spawn [--json out.json]          own Redis + server, full run (<60 s)\n"
      "  hotdesk-bench --spawn --spawn_redis=cluster      own 3-primary Redis Cluster\n"
      "  hotdesk-bench --server=H:P --redis_addr=H:P      against running ones (also\n"
      "      --redis_sentinels=... --redis_master_name=N, or --redis_cluster_nodes=...)\n"
      "Every flag can also be set as HOTDESK_<FLAG>.");
  hotdesk::bench::InstallInterruptCleanup();
  // The client must cost as little CPU as it can (it shares the machine with the server):
  // skip abseil's lock-order tracking, which gRPC pays on every call.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  for (const auto& err : hotdesk::ApplyEnvironmentToFlags()) {
    std::fprintf(stderr, "invalid environment: %s\n", err.c_str());
    return 2;
  }
  absl::ParseCommandLine(argc, argv);

  hotdesk::bench::BenchConfig c;
  c.spawn = absl::GetFlag(FLAGS_spawn);
  c.server_bin = absl::GetFlag(FLAGS_server_bin);
  c.redis_server_bin = absl::GetFlag(FLAGS_redis_server_bin);
  c.server = absl::GetFlag(FLAGS_server);
  c.spawn_redis = absl::GetFlag(FLAGS_spawn_redis);
  c.spawn_primaries = absl::GetFlag(FLAGS_spawn_primaries);
  auto redis = hotdesk::RedisConfigFromFlags();
  if (!redis.ok()) {
    std::fprintf(stderr, "%s\n", std::string(redis.status().message()).c_str());
    return 2;
  }
  c.redis = *redis;
  c.redis.client_name = "hotdesk-bench";
  c.server_pid = absl::GetFlag(FLAGS_server_pid);
  c.durable_server = absl::GetFlag(FLAGS_durable_server);
  c.durable_server_pid = absl::GetFlag(FLAGS_durable_server_pid);
  c.tenants = absl::GetFlag(FLAGS_tenants);
  c.key_prefix = absl::GetFlag(FLAGS_key_prefix);
  c.stream_retention = absl::GetFlag(FLAGS_stream_retention);
  c.tenant = absl::GetFlag(FLAGS_tenant);
  if (c.tenant.empty()) c.tenant = c.spawn ? "bench" : absl::StrCat("bench-", getpid());
  c.channels = absl::GetFlag(FLAGS_channels);
  c.inflight = absl::GetFlag(FLAGS_inflight);
  c.warmup = absl::GetFlag(FLAGS_warmup);
  c.duration = absl::GetFlag(FLAGS_duration);
  c.storm_desks = absl::GetFlag(FLAGS_storm_desks);
  c.roam_hosts = absl::GetFlag(FLAGS_roam_hosts);
  c.roam_guests = absl::GetFlag(FLAGS_roam_guests);
  c.redis_window = absl::GetFlag(FLAGS_redis_window);
  c.redis_duration = absl::GetFlag(FLAGS_redis_duration);
  c.watchers = absl::GetFlag(FLAGS_watchers);
  c.watch_channels = absl::GetFlag(FLAGS_watch_channels);
  c.event_rate = absl::GetFlag(FLAGS_event_rate);
  c.event_duration = absl::GetFlag(FLAGS_event_duration);
  c.memory_associations = absl::GetFlag(FLAGS_memory_associations);
  c.json_path = absl::GetFlag(FLAGS_json);
  c.quick = absl::GetFlag(FLAGS_quick);
  if (c.quick) {
    // Flags given explicitly still win over the quick sizes.
    auto unset = [argc, argv](const std::string& name) {
      for (int i = 1; i < argc; ++i) {
        absl::string_view a = argv[i];
        if (!absl::ConsumePrefix(&a, "--") && !absl::ConsumePrefix(&a, "-")) continue;
        if (a == name || absl::StartsWith(a, name + "=")) return false;
      }
      return true;
    };
    if (unset("warmup")) c.warmup = absl::Milliseconds(200);
    if (unset("duration")) c.duration = absl::Milliseconds(500);
    if (unset("storm_desks")) c.storm_desks = 500;
    if (unset("redis_duration")) c.redis_duration = absl::Milliseconds(300);
    if (unset("watchers")) c.watchers = 10;
    if (unset("event_rate")) c.event_rate = 50;
    if (unset("event_duration")) c.event_duration = absl::Seconds(1);
    if (unset("memory_associations")) c.memory_associations = 1000;
  }

  std::string bad;
  for (absl::string_view p :
       absl::StrSplit(absl::GetFlag(FLAGS_phases), ',', absl::SkipWhitespace())) {
    bool known = false;
    for (const char* name : hotdesk::bench::kPhaseNames) known = known || p == name;
    if (!known) bad = absl::StrCat("--phases: unknown phase '", p, "'");
    c.phases.insert(std::string(p));
  }
  if (c.channels < 1) bad = "--channels must be at least 1";
  if (c.inflight < 1) bad = "--inflight must be at least 1";
  if (c.warmup < absl::ZeroDuration()) bad = "--warmup must not be negative";
  if (c.duration <= absl::ZeroDuration()) bad = "--duration must be positive";
  if (c.redis_duration <= absl::ZeroDuration()) bad = "--redis_duration must be positive";
  if (c.event_duration <= absl::ZeroDuration()) bad = "--event_duration must be positive";
  if (c.storm_desks < 1) bad = "--storm_desks must be at least 1";
  if (c.roam_hosts < 1 || c.roam_guests < 1) bad = "--roam_hosts/--roam_guests must be >= 1";
  if (c.redis_window < 1) bad = "--redis_window must be >= 1";
  if (c.spawn_redis != "single" && c.spawn_redis != "cluster")
    bad = "--spawn_redis: expected single or cluster";
  if (c.spawn_primaries < 1 || c.spawn_primaries > 16)
    bad = "--spawn_primaries must be in [1, 16]";
  if (c.tenants < 0) bad = "--tenants must not be negative (0 = automatic)";
  if (c.watchers < 1 || c.watch_channels < 1) bad = "--watchers/--watch_channels must be >= 1";
  if (!(c.event_rate > 0 && c.event_rate <= 100000)) bad = "--event_rate must be in (0, 100000]";
  if (c.memory_associations < 1) bad = "--memory_associations must be at least 1";
  if (c.stream_retention < 1) bad = "--stream_retention must be positive";
  if (!bad.empty()) {
    std::fprintf(stderr, "%s\n", bad.c_str());
    return 2;
  }

  auto report = hotdesk::bench::RunBench(c);
  if (!report.ok()) {
    std::fprintf(stderr, "hotdesk-bench: %s\n", std::string(report.status().message()).c_str());
    return 2;
  }
  hotdesk::bench::PrintReport(*report, stdout);
  if (!c.json_path.empty()) {
    std::ofstream out(c.json_path);
    out << hotdesk::bench::ReportJson(*report);
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", c.json_path.c_str());
      return 2;
    }
  }
  return report->TotalErrors() > 0 ? 1 : 0;
}
