// Drives unary calls with many in flight through gRPC's callback API: a closed loop (every
// slot starts its next call when the previous one ends) or an open loop (calls started by a
// pacing thread at a fixed rate, latency counted from the scheduled start).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "services/bench/histogram.h"

namespace hotdesk::bench {

// Called exactly once per call with the kind of call made (index into KindNames) and its code.
using OpDone = std::function<void(int kind, grpc::StatusCode code)>;

// One kind of traffic. A slot never has more than one call in flight, so per-slot state
// (e.g. "this pair is established") needs no lock.
class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::vector<std::string> KindNames() const = 0;
  virtual void Start(int slot, OpDone done) = 0;
  // Outcomes that are not errors for this workload.
  virtual bool Expected(int kind, grpc::StatusCode code) const {
    return code == grpc::StatusCode::OK;
  }
};

struct LoadSpec {
  int slots = 64;  // closed loop: calls in flight; open loop: most calls outstanding
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(5);
  int64_t max_ops = 0;  // > 0: exactly this many calls, no warm-up; `duration` is ignored
  double rate = 0;      // > 0: open loop at this many calls per second
};

struct KindStats {
  std::string name;
  int64_t ops = 0;  // completed successfully in the measured window
  LatencySummary latency;
  std::vector<int64_t> samples;  // the latencies (ns) behind `latency`, for CombineLoads
};

struct LoadResult {
  double seconds = 0;  // measured window
  int64_t ops = 0;     // completed in the window, all kinds
  double ops_per_sec = 0;
  std::vector<KindStats> kinds;
  int64_t errors = 0;  // over the whole phase, warm-up included
  std::map<std::string, int64_t> error_codes;
  int64_t late_starts = 0;     // open loop: ticks with every slot busy (call started late)
  double started_per_sec = 0;  // open loop: calls the pacer really started per second
};

LoadResult RunLoad(Workload& workload, const LoadSpec& spec);

// Several runs of the same workload as one: windows, ops and errors added up, latency
// percentiles over every sample (e.g. A/B/B/A rounds that cancel a drifting machine load).
LoadResult CombineLoads(const std::vector<LoadResult>& runs);

// Channels that really are distinct connections (gRPC would otherwise share one subchannel).
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& target, int count);

std::string CodeName(grpc::StatusCode code);

}  // namespace hotdesk::bench
