// Follows the tenant's association events (Associations.WatchEvents) so that every change, made
// here or by any other adapter, re-renders the device's profile. Starts with a snapshot (to learn
// the current profiles without notices), resumes from its last cursor after a disconnect.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "adapters/featurecodes/core_client.h"
#include "adapters/featurecodes/metrics.h"
#include "adapters/featurecodes/reprovisioner.h"

namespace hotdesk::featurecodes {

class EventFollower {
 public:
  EventFollower(CoreClient* core, Reprovisioner* reprovisioner, Metrics* metrics,
                std::string tenant);
  ~EventFollower();
  void Start();
  void Stop();
  // Waits until the first snapshot is complete; false on timeout.
  bool WaitReady(absl::Duration timeout);

 private:
  void Run();

  CoreClient* core_;
  Reprovisioner* reprovisioner_;
  Metrics* metrics_;
  std::string tenant_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool ready_ = false;
  grpc::ClientContext* active_ = nullptr;
};

}  // namespace hotdesk::featurecodes
