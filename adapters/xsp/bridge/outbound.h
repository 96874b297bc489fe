// Outbound: every established/cancelled event of the tenant becomes an Xsi-Actions sequence on
// BroadWorks: the documented steps for hotdesk's own changes, and for the changes the bridge made
// from the platform (source XSP) a sync of the guest's HotelingGuest with hotdesk, which the
// platform already has unless an older change reached it later (sequences.h, PlanSync).
//
// The event follower (adapters/common) takes events in: each is queued as a sequence record in
// Redis (ProgressStore) before the follower's cursor moves past it, so nothing is lost in a crash.
// A worker runs the queued sequences in arrival order. Each step has a timeout and bounded retries
// with backoff, and its outcome is written before the next step starts. A sequence whose step
// still fails is parked: retried later with a growing delay until it succeeds or an operator drops
// it (Drop; /status and metrics show it). Sequences touching the same user run in order, so a
// parked one holds back the later ones of its host and guest, and nobody else.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "adapters/common/core_call.h"
#include "adapters/common/event_follower.h"
#include "adapters/xsp/bridge/config.h"
#include "adapters/xsp/bridge/id_map.h"
#include "adapters/xsp/bridge/metrics.h"
#include "adapters/xsp/bridge/progress_store.h"
#include "adapters/xsp/bridge/sequences.h"
#include "adapters/xsp/bridge/xsi_client.h"
#include "hotdesk/v1/associations.grpc.pb.h"

namespace hotdesk::xsp {

class Outbound {
 public:
  Outbound(const BridgeConfig& config, std::shared_ptr<grpc::Channel> channel, const IdMapper* ids,
           ProgressStore* store, BridgeMetrics* metrics);
  ~Outbound();
  void Start();
  // Stops taking events in, finishes the step in flight, then stops (a half-done sequence
  // resumes at the next start).
  void Stop();
  std::string cursor() const;
  bool watching() const { return watching_.load(); }
  // An operator gives up on a sequence that is not running (parked, or waiting behind one):
  // it ends as "dropped" and the sequences behind it run. NOT_FOUND when no such sequence is
  // pending, FAILED_PRECONDITION while it runs.
  absl::Status Drop(const std::string& key);
  // Sequences not ended, in arrival order (/status).
  std::vector<SeqRecord> Pending() const;

 private:
  enum class Outcome { kDone, kParked, kUnmapped, kInterrupted };

  // Follower thread: queues the event's sequence.
  absl::Status TakeIn(const adapters::Delivery& d);
  void WorkerLoop();
  // The next sequence that may run now (index into pending_), or -1; `wake` is when a parked one
  // becomes due. Under mu_.
  int NextRunnable(absl::Time now, absl::Time* wake) const;
  // Runs or resumes a sequence; `rec` is updated and saved after each step.
  Outcome Run(SeqRecord* rec);
  // One step with retries; fills `sr`. False when stopping interrupted it.
  bool RunStep(const SeqRecord& rec, const Plan& plan, const PlannedStep& step, StepRecord* sr);
  bool SleepOrStop(absl::Duration d);
  // For a sync step: the body and echo that make the platform hold what hotdesk holds for the
  // guest, or false in *needed when it already does. An error when either side cannot be read.
  absl::Status PlanGuestSync(const Plan& plan, const std::string& path, PlannedStep* step,
                             bool* needed, HttpResult* r);
  void SaveRecord(const SeqRecord& rec);
  void UpdateGauges();

  BridgeConfig config_;
  std::shared_ptr<grpc::Channel> channel_;
  const IdMapper* ids_;
  ProgressStore* store_;
  BridgeMetrics* metrics_;
  XsiClient client_;
  std::unique_ptr<v1::Associations::Stub> stub_;  // reads hotdesk's state for sync steps
  adapters::CallPolicy policy_;
  adapters::CallCanceller canceller_;
  std::unique_ptr<adapters::EventFollower> follower_;

  std::thread worker_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> watching_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SeqRecord> pending_;  // not ended, arrival order
  std::string running_;             // key of the sequence being run
};

}  // namespace hotdesk::xsp
