// Memory: Redis bytes per association (MEMORY USAGE of the tenant's keys, events measured
// separately) and the server's resident set size.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/bench/redis_ceiling.h"

namespace hotdesk::bench {

struct RedisMemoryResult {
  int64_t associations = 0;
  // MEMORY USAGE (SAMPLES 0, exact) of the tenant's keys after the fill: its state (every key
  // but the events stream) and its stream. Counted per key, so what the node does meanwhile
  // for others (a replica's buffer draining after an earlier phase, other tenants' writes)
  // cannot move it, as it moved an INFO used_memory delta.
  int64_t state_usage = 0;
  int64_t stream_usage = 0;
  // INFO used_memory before and after the fill: a cross-check that also holds allocator
  // rounding and the keyspace's own tables, and whatever else the node did meanwhile.
  int64_t used_before = 0;
  int64_t used_filled = 0;
  double bytes_per_association = 0;  // state_usage / associations
  double bytes_per_event = 0;        // stream_usage / associations (one event each)
  double fill_seconds = 0;
  int64_t errors = 0;
};

// Fills `fill.tenants[0]` (must be empty) with fill.count associations through the server's
// establish script and measures the memory they take on the primary that serves it.
absl::StatusOr<RedisMemoryResult> MeasureRedisMemory(const ScriptLoadSpec& fill);

// VmRSS of a process in bytes.
absl::StatusOr<int64_t> ReadRss(pid_t pid);
// User + system CPU time a process has used, in seconds.
absl::StatusOr<double> ReadCpuSeconds(pid_t pid);

// CPU used by the bench and by the server over a phase, as average cores busy.
class CpuMeter {
 public:
  explicit CpuMeter(pid_t server_pid);
  // Cores used since construction (-1 when unknown).
  void Stop(double* bench_cores, double* server_cores) const;

 private:
  pid_t server_pid_;
  absl::Time start_;
  double bench_start_ = -1, server_start_ = -1;
};

// Samples a process's RSS in the background and keeps the maximum.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid);
  ~RssSampler();
  int64_t Max() const { return max_.load(); }

 private:
  pid_t pid_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> max_{0};
  std::thread thread_;
};

}  // namespace hotdesk::bench
