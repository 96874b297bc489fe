// One browser event stream (Server-Sent Events) = one WatchEvents call to the core.
//
// The gRPC reactor fills a bounded queue; the HTTP connection's thread drains it into the
// socket. When the queue is full the reactor stops reading, so gRPC flow control pushes back to
// the server instead of memory growing. When the browser goes away the next write fails (a
// heartbeat comment is written at least every --sse_heartbeat), and the call is cancelled.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hotdesk/v1/associations.grpc.pb.h"

namespace hotdesk::web {

class WatchCall : public grpc::ClientReadReactor<v1::AssociationEvent> {
 public:
  // Starts the call. Keep the object alive until Finished() is true (Close() waits for it).
  WatchCall(v1::Associations::Stub* stub, const v1::WatchEventsRequest& request,
            const std::string& token, size_t max_queued);
  ~WatchCall() override;

  // Waits up to `timeout` until the call has shown whether it was accepted: an event arrived, or
  // it ended. Returns the final status if it ended in that time (an immediate refusal such as
  // INVALID_ARGUMENT or UNAUTHENTICATED), else nullopt (it is running).
  std::optional<absl::Status> WaitAccepted(absl::Duration timeout);

  enum class Next { kEvent, kIdle, kEnded };
  // Waits up to `timeout` for the next event. kEnded: the call is over and `status` says how.
  Next Pop(absl::Duration timeout, v1::AssociationEvent* event, absl::Status* status);

  // Wakes a waiting Pop() (used at shutdown); it then returns kIdle.
  void Wake();
  // Cancels the call (if still running) and waits until gRPC is done with this object.
  void Close();

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  grpc::ClientContext ctx_;
  v1::WatchEventsRequest request_;
  v1::AssociationEvent incoming_;
  const size_t max_queued_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::AssociationEvent> queue_;
  bool read_paused_ = false;  // queue full: the next StartRead waits for Pop
  bool accepted_ = false;
  bool done_ = false;
  bool woken_ = false;
  absl::Status final_;
};

}  // namespace hotdesk::web
