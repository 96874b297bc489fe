#include "adapters/web/event_stream.h"

#include "adapters/web/core_channel.h"
#include "services/common/status.h"

namespace hotdesk::web {

WatchCall::WatchCall(v1::Associations::Stub* stub, const v1::WatchEventsRequest& request,
                     const std::string& token, size_t max_queued)
    : request_(request), max_queued_(max_queued) {
  AddCallerToken(&ctx_, token);
  stub->async()->WatchEvents(&ctx_, &request_, this);
  StartRead(&incoming_);
  StartCall();
}

WatchCall::~WatchCall() = default;

std::optional<absl::Status> WatchCall::WaitAccepted(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return accepted_ || done_; });
  if (done_ && queue_.empty()) return final_;
  return std::nullopt;
}

WatchCall::Next WatchCall::Pop(absl::Duration timeout, v1::AssociationEvent* event,
                               absl::Status* status) {
  bool resume = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                 [&] { return !queue_.empty() || done_ || woken_; });
    woken_ = false;
    if (queue_.empty()) {
      if (!done_) return Next::kIdle;
      *status = final_;
      return Next::kEnded;
    }
    *event = std::move(queue_.front());
    queue_.pop_front();
    if (read_paused_ && queue_.size() < max_queued_ / 2) {
      read_paused_ = false;
      resume = true;
    }
  }
  if (resume) StartRead(&incoming_);  // outside the lock: gRPC may call back at once
  return Next::kEvent;
}

void WatchCall::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void WatchCall::Close() {
  ctx_.TryCancel();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return done_; });
}

void WatchCall::OnReadDone(bool ok) {
  if (!ok) return;  // the stream ended; OnDone follows
  bool more;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepted_ = true;
    queue_.push_back(std::move(incoming_));
    incoming_.Clear();
    more = queue_.size() < max_queued_;
    if (!more) read_paused_ = true;
    cv_.notify_all();
  }
  if (more) StartRead(&incoming_);
}

void WatchCall::OnDone(const grpc::Status& status) {
  // Notify under the lock: Close() may destroy this object as soon as it sees done_.
  std::lock_guard<std::mutex> lock(mu_);
  final_ = FromGrpcStatus(status);
  done_ = true;
  cv_.notify_all();
}

}  // namespace hotdesk::web
