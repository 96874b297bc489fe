// Calls to hotdesk-server that survive a core restart or stall: every attempt has its own
// deadline, and UNAVAILABLE / DEADLINE_EXCEEDED are retried with backoff until a retry budget is
// spent. A mutation is retried with the same request_id, so an attempt that timed out but landed
// is answered (not applied twice) by the next one, and the caller's next mutation is sent only
// after this one has a definite answer: a login that timed out cannot land after its logout.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "adapters/common/backoff.h"
#include "hotdesk/v1/associations.grpc.pb.h"

namespace hotdesk::adapters {

struct CallPolicy {
  // Deadline of one attempt.
  absl::Duration attempt_timeout = absl::Seconds(5);
  // No new attempt starts later than this after the first one; the last error is returned.
  absl::Duration retry_budget = absl::Seconds(30);
  BackoffPolicy backoff = {absl::Milliseconds(100), absl::Seconds(2)};
};

// Ends the retried calls of a component that stops: the attempt in flight ends with CANCELLED,
// a wait between attempts ends at once, and later calls fail at once. Thread-safe.
class CallCanceller {
 public:
  void Cancel();
  bool cancelled() const;

  // For CallWithRetry: false when already cancelled (the context is then not registered).
  bool Register(grpc::ClientContext* ctx);
  void Unregister(grpc::ClientContext* ctx);
  // Waits `d`; false when cancelled meanwhile.
  bool Sleep(absl::Duration d);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::set<grpc::ClientContext*> active_;
};

// UNAVAILABLE (core or its Redis unreachable) and DEADLINE_EXCEEDED (no answer in time; the call
// may or may not have been applied).
bool IsRetryable(grpc::StatusCode code);

// Calls `attempt` with a fresh context (deadline: attempt_timeout) until it returns OK or a
// status that is not retryable, or the budget is spent. `canceller` may be null. `attempts`, when
// given, receives the number of attempts made.
grpc::Status CallWithRetry(const CallPolicy& policy, CallCanceller* canceller,
                           const std::function<grpc::Status(grpc::ClientContext*)>& attempt,
                           int* attempts = nullptr);

// One attempt (deadline: attempt_timeout), cancellable like the others: for a call that must not
// be repeated, such as Guests.VerifyPin, where an attempt that timed out may have counted a
// failed PIN.
grpc::Status CallOnce(const CallPolicy& policy, CallCanceller* canceller,
                      const std::function<grpc::Status(grpc::ClientContext*)>& attempt);

// Establish and Cancel through CallWithRetry. The request must carry a request_id (else
// INVALID_ARGUMENT naming the field, and nothing is sent): that is what makes the retry safe.
grpc::Status RetryingEstablish(v1::Associations::Stub& stub, const CallPolicy& policy,
                               CallCanceller* canceller, const v1::EstablishRequest& req,
                               v1::EstablishResponse* resp, int* attempts = nullptr);
grpc::Status RetryingCancel(v1::Associations::Stub& stub, const CallPolicy& policy,
                            CallCanceller* canceller, const v1::CancelRequest& req,
                            v1::CancelResponse* resp, int* attempts = nullptr);

// 16 random hex digits (64 bits), to scope request ids to a process, connection or session.
std::string RandomNonce();

// Request ids of successive user actions in one scope: "<prefix>-<n>" with n = 1, 2, ... The
// prefix carries a nonce (e.g. "csta-<nonce>"), so ids never repeat across scopes or restarts;
// the number distinguishes actions inside the scope. A retry of an action reuses its id (the
// caller keeps it); a new action takes Next(). Thread-safe.
class RequestIds {
 public:
  explicit RequestIds(std::string prefix) : prefix_(std::move(prefix)) {}
  // `detail` (e.g. a CSTA invoke id) is appended for the reader of logs; it does not make ids
  // unique, the counter does.
  std::string Next(absl::string_view detail = "");

 private:
  const std::string prefix_;
  std::atomic<uint64_t> next_{1};
};

}  // namespace hotdesk::adapters
