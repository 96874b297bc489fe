// Follows Associations.WatchEvents for one tenant on a dedicated thread. Reconnects with
// backoff and resumes after the last cursor, so nothing is lost while the core or the gateway
// restarts; the cursor is persisted to a file after each event. Without a cursor it starts with
// a snapshot (current state, no events). A cursor that fell out of the stream's retention
// (OUT_OF_RANGE) is resynced from a fresh snapshot: when the gateway has a complete picture of
// the associations, the differences are delivered as synthesized events.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "hotdesk/v1/associations.grpc.pb.h"

namespace hotdesk::csta {

class Metrics;

// Events that turn `before` (host -> association) into `after`: CANCELLED for associations
// gone or changed, then ESTABLISHED for new ones. Pure; used on resync.
std::vector<v1::AssociationEvent> DiffAssociations(
    const std::map<std::string, v1::Association>& before,
    const std::vector<v1::Association>& after);

// Reads/writes the cursor file ("" when absent or unreadable). Writes atomically (rename).
std::string LoadCursor(const std::string& path);
bool SaveCursor(const std::string& path, const std::string& cursor);

class EventFollower {
 public:
  using Handler = std::function<void(const v1::AssociationEvent&)>;

  EventFollower(std::shared_ptr<grpc::Channel> channel, std::string tenant, std::string cursor_file,
                Metrics* metrics, Handler handler);
  ~EventFollower();

  void Start();
  void Stop();
  std::string cursor() const;
  // True once the stream delivered its first message since Start (snapshot or catch-up).
  bool connected() const;

 private:
  void Run();
  void Advance(const std::string& cursor);  // remember + persist
  bool SleepUnlessStopped(std::chrono::milliseconds d);

  std::unique_ptr<v1::Associations::Stub> stub_;
  std::string tenant_;
  std::string cursor_file_;
  Metrics* metrics_;
  Handler handler_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool connected_ = false;
  grpc::ClientContext* ctx_ = nullptr;  // the open stream's context, for cancellation
  std::string cursor_;
  std::thread thread_;

  // Only the follower thread touches these.
  std::map<std::string, v1::Association> mirror_;  // host -> association
  bool mirror_complete_ = false;
};

}  // namespace hotdesk::csta
