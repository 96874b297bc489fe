// The bench's results: a human table (phases, then targets as ratios with met / not met) and
// the same in JSON.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/bench/histogram.h"
#include "services/bench/memory_probe.h"
#include "services/bench/redis_cpu.h"
#include "services/bench/watch_load.h"

namespace hotdesk::bench {

struct PhaseRow {
  // "ping", "storm", "roaming", "steady", "half-peak", "redis-script", "wait-0", "wait-1"
  std::string phase;
  std::string kind;   // "ping", "establish", "cancel", "all"
  std::string load;   // how it was driven, e.g. "closed 64" or "open 2500/s"
  double seconds = 0;
  int64_t ops = 0;
  double ops_per_sec = 0;
  LatencySummary latency;
  int64_t errors = 0;
  std::map<std::string, int64_t> error_codes;
  // Average cores busy over the whole phase (warm-up included); -1 when unknown.
  double bench_cores = -1, server_cores = -1;
};

struct TargetRow {
  std::string name;
  std::string measured;  // the ratio or value, as printed
  std::string goal;
  std::optional<bool> met;  // unset: could not be measured in this run
  double value = 0;
};

struct Report {
  std::vector<std::pair<std::string, std::string>> config;
  std::vector<PhaseRow> phases;
  std::optional<WatchResult> watch;
  double watch_bench_cores = -1, watch_server_cores = -1;
  std::optional<RedisMemoryResult> memory;
  // Per primary and phase: Redis CPU per operation; per phase: the Redis-bound projection.
  std::vector<NodeCpuRow> redis_nodes;
  std::vector<RedisProjection> redis_projections;
  int64_t rss_idle = -1, rss_load = -1;  // bytes; -1 when the server's PID is unknown
  std::vector<TargetRow> targets;
  std::vector<std::string> notes;
  int64_t setup_errors = 0;

  int64_t TotalErrors() const;
};

void PrintReport(const Report& report, std::FILE* out);
std::string ReportJson(const Report& report);

}  // namespace hotdesk::bench
