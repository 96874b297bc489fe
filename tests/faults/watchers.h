// Watchers as clients write them: follow WatchEvents, and when the stream ends (replica killed,
// drained, Redis gone) resume with the last cursor on the next replica; when the cursor's
// history was lost (OUT_OF_RANGE HISTORY_LOST, after a failover) resync as the README says
// (a snapshot, then live from its cursor) as a new segment. Everything received is kept for the
// history checker.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "tests/faults/deployment.h"
#include "tests/faults/history.h"

namespace hotdesk::faults {

class ResumingWatcher {
 public:
  ResumingWatcher(std::string name, std::string tenant, int first_replica,
                  Deployment* deployment);
  ~ResumingWatcher();

  void Start(StreamId after);
  void Stop();

  StreamId last() const;
  // How each call ended, by status code name.
  std::map<std::string, int64_t> Endings() const;
  // The current segment.
  WatcherLog log() const;
  // Every segment, oldest first.
  std::vector<WatcherLog> logs() const;

 private:
  void Run();

  std::string name_;
  std::string tenant_;
  int replica_;
  Deployment* deployment_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  grpc::ClientContext* call_ = nullptr;  // the open call, for Stop
  WatcherLog log_;
  std::vector<WatcherLog> ended_;  // segments ended by a lost history
  bool resync_ = false;            // the next call asks for a snapshot
  std::map<std::string, int64_t> endings_;
  std::thread thread_;
};

}  // namespace hotdesk::faults
