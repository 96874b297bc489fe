// Latency recorder: keeps every sample so that percentiles are exact, not bucket estimates.
// Thread-safe; samples are spread over a few locked shards to keep contention low.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

namespace hotdesk::bench {

struct LatencySummary {
  int64_t count = 0;
  // Milliseconds; nearest-rank percentiles of the recorded samples.
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
};

class Histogram {
 public:
  void Record(int64_t nanos);
  void RecordAll(const std::vector<int64_t>& nanos);
  LatencySummary Summarize() const;
  int64_t Count() const;
  // Every sample recorded so far (nanoseconds), to merge runs.
  std::vector<int64_t> Samples() const;

 private:
  struct Shard {
    mutable std::mutex mu;
    std::vector<int64_t> samples;
  };
  static constexpr int kShards = 8;
  std::array<Shard, kShards> shards_;
};

}  // namespace hotdesk::bench
