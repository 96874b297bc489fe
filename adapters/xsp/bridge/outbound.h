// Outbound: follows WatchEvents of hotdesk-server and applies every established/cancelled
// event not made by the bridge itself (source XSP) to BroadWorks as an Xsi-Actions sequence,
// one event at a time, in stream order. Each step has a timeout and bounded retries with
// exponential backoff; each outcome is written to Redis (ProgressStore) before the next step, and
// the cursor advances only when the sequence has ended (done or failed). A failed step ends its
// sequence (later steps are not run) and is reported in logs, metrics and /status.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "adapters/xsp/bridge/config.h"
#include "adapters/xsp/bridge/echo_guard.h"
#include "adapters/xsp/bridge/id_map.h"
#include "adapters/xsp/bridge/metrics.h"
#include "adapters/xsp/bridge/progress_store.h"
#include "adapters/xsp/bridge/sequences.h"
#include "adapters/xsp/bridge/xsi_client.h"
#include "hotdesk/v1/associations.grpc.pb.h"

namespace hotdesk::xsp {

class Outbound {
 public:
  Outbound(const BridgeConfig& config, std::shared_ptr<v1::Associations::Stub> stub,
           const IdMapper* ids, ProgressStore* store, EchoGuard* echo, BridgeMetrics* metrics);
  ~Outbound();
  void Start();
  // Finishes the step in flight, then stops (a half-done sequence resumes after restart).
  void Stop();
  std::string cursor();
  bool watching() const { return watching_.load(); }

 private:
  enum class RunResult { kEnded, kInterrupted };
  void Loop();
  // Returns kInterrupted when stopping left the sequence unfinished (cursor must not advance).
  RunResult Handle(const v1::AssociationEvent& ev);
  // Runs one step with retries; fills rec. False when interrupted by Stop.
  bool RunStep(const Plan& plan, const PlannedStep& step, StepRecord* rec);
  bool SleepOrStop(absl::Duration d);
  void SaveRecord(const SeqRecord& rec, bool is_new);

  BridgeConfig config_;
  std::shared_ptr<v1::Associations::Stub> stub_;
  const IdMapper* ids_;
  ProgressStore* store_;
  EchoGuard* echo_;
  BridgeMetrics* metrics_;
  XsiClient client_;

  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> watching_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  grpc::ClientContext* ctx_ = nullptr;  // guarded by mu_
  std::string cursor_;                  // guarded by mu_
};

}  // namespace hotdesk::xsp
