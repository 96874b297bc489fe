// Per-primary Redis CPU per operation over a phase: INFO cpu (main thread, where commands run)
// and INFO commandstats read on every primary before and after. On one machine several
// primaries share the cores, so a cluster run shows routing cost, not scaling; what each
// primary spends per script call is what lets the scaling on real machines be computed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/bench/redis_target.h"

namespace hotdesk::bench {

// One primary over one phase.
struct NodeCpuRow {
  std::string phase;
  std::string node;
  double cpu_seconds = 0;       // main thread (user + sys); the whole process on old Redis
  double process_seconds = 0;   // the whole process (background threads, forks' parents)
  int64_t scripts = 0;          // EVALSHA/EVAL calls: one per hotdesk operation
  int64_t commands = 0;         // every command, scripts' inner calls included
  int64_t waits = 0;            // WAIT calls (the durability option)
  double script_usec_per_call = 0;  // commandstats: time inside EVALSHA per call
  double cpu_usec_per_script = 0;   // cpu_seconds / scripts: what one operation costs this node
};

// One phase, all primaries: the throughput Redis could give if every primary had a core of
// its own and the load kept its spread — scripts per CPU-second of the busiest primary.
struct RedisProjection {
  std::string phase;
  int primaries = 0;
  int64_t scripts = 0;
  double busiest_cpu_seconds = 0;
  std::string busiest;
  double scripts_per_sec = 0;
};

// What one primary spent: counters read from INFO, or differences of them.
struct RedisCounters {
  double main_cpu = 0, process_cpu = 0;
  int64_t scripts = 0, commands = 0, waits = 0;
  double script_usec = 0;
  RedisCounters& operator+=(const RedisCounters& o);
  RedisCounters operator-(const RedisCounters& o) const;
};

// Parses INFO cpu + INFO commandstats text.
RedisCounters ParseRedisCounters(const std::string& info_cpu,
                                 const std::string& info_commandstats);

// Reads every primary's counters (one entry per primary, in target.primaries() order).
absl::StatusOr<std::vector<RedisCounters>> ReadRedisCounters(RedisTarget& target);

// One row per primary from what each spent over `phase`, and the phase's projection.
void AppendRedisRows(const std::vector<RedisNodeAddr>& primaries, const std::string& phase,
                     const std::vector<RedisCounters>& spent, std::vector<NodeCpuRow>* rows,
                     std::vector<RedisProjection>* projections);

}  // namespace hotdesk::bench
