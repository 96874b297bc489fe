// Client-side helpers for end-to-end tests over real gRPC channels.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/time/time.h"
#include "hotdesk/v1/associations.grpc.pb.h"

namespace hotdesk::testing {

// Reads a WatchEvents stream on its own thread, collecting everything.
class Watcher {
 public:
  // `pause` after each event paces a slow reader.
  Watcher(std::shared_ptr<grpc::Channel> channel, v1::WatchEventsRequest req,
          absl::Duration pause = absl::ZeroDuration());
  ~Watcher();
  // Waits until at least n events arrived; false on timeout or stream end.
  bool WaitFor(size_t n, absl::Duration timeout = absl::Seconds(10));
  // Waits for the stream to end; returns its status.
  grpc::Status WaitDone(absl::Duration timeout = absl::Seconds(10));
  std::vector<v1::AssociationEvent> events();
  void Cancel() { ctx_.TryCancel(); }

 private:
  grpc::ClientContext ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::AssociationEvent> events_;
  bool done_ = false;
  grpc::Status status_;
  std::thread thread_;
};

// Waits until `watcher` is subscribed, by making a marker change and waiting to see it.
v1::EstablishRequest Login(const std::string& tenant, const std::string& host,
                           const std::string& guest);
grpc::Status Establish(v1::Associations::Stub* stub, const v1::EstablishRequest& req,
                       v1::EstablishResponse* resp = nullptr,
                       absl::Duration timeout = absl::Seconds(5));
grpc::Status CancelHost(v1::Associations::Stub* stub, const std::string& tenant,
                        const std::string& host, v1::CancelResponse* resp = nullptr);
// grpc.health.v1 Check("") -> status enum value (-1 on RPC failure).
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service = "");
std::string Summary(const v1::AssociationEvent& e);  // "E host guest" / "C host guest REASON"

}  // namespace hotdesk::testing
