#include "adapters/common/core_call.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace hotdesk::adapters {

void CallCanceller::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  for (grpc::ClientContext* ctx : active_) ctx->TryCancel();
  cv_.notify_all();
}

bool CallCanceller::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

bool CallCanceller::Register(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return false;
  active_.insert(ctx);
  return true;
}

void CallCanceller::Unregister(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  active_.erase(ctx);
}

bool CallCanceller::Sleep(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return cancelled_; });
}

bool IsRetryable(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED;
}

grpc::Status CallWithRetry(const CallPolicy& policy, CallCanceller* canceller,
                           const std::function<grpc::Status(grpc::ClientContext*)>& attempt,
                           int* attempts) {
  const absl::Time give_up = absl::Now() + policy.retry_budget;
  Backoff backoff(policy.backoff);
  int n = 0;
  grpc::Status st;
  for (;;) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + policy.attempt_timeout));
    if (canceller != nullptr && !canceller->Register(&ctx)) {
      st = grpc::Status(grpc::StatusCode::CANCELLED, "stopping");
      break;
    }
    ++n;
    st = attempt(&ctx);
    if (canceller != nullptr) canceller->Unregister(&ctx);
    if (!IsRetryable(st.error_code())) break;
    absl::Duration wait = backoff.Next();
    if (absl::Now() + wait >= give_up) break;
    if (canceller == nullptr) {
      absl::SleepFor(wait);
    } else if (!canceller->Sleep(wait)) {
      break;  // stopping: the last error stands
    }
  }
  if (attempts != nullptr) *attempts = n;
  return st;
}

grpc::Status CallOnce(const CallPolicy& policy, CallCanceller* canceller,
                      const std::function<grpc::Status(grpc::ClientContext*)>& attempt) {
  CallPolicy once = policy;
  once.retry_budget = absl::ZeroDuration();  // the first retryable failure is the answer
  return CallWithRetry(once, canceller, attempt);
}

grpc::Status RetryingEstablish(v1::Associations::Stub& stub, const CallPolicy& policy,
                               CallCanceller* canceller, const v1::EstablishRequest& req,
                               v1::EstablishResponse* resp, int* attempts) {
  if (req.request_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "request_id: required for a retried Establish");
  }
  return CallWithRetry(
      policy, canceller, [&](grpc::ClientContext* ctx) { return stub.Establish(ctx, req, resp); },
      attempts);
}

grpc::Status RetryingCancel(v1::Associations::Stub& stub, const CallPolicy& policy,
                            CallCanceller* canceller, const v1::CancelRequest& req,
                            v1::CancelResponse* resp, int* attempts) {
  if (req.request_id().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "request_id: required for a retried Cancel");
  }
  return CallWithRetry(
      policy, canceller, [&](grpc::ClientContext* ctx) { return stub.Cancel(ctx, req, resp); },
      attempts);
}

std::string RandomNonce() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  return absl::StrFormat("%016x", rng());
}

std::string RequestIds::Next(absl::string_view detail) {
  uint64_t n = next_.fetch_add(1);
  if (detail.empty()) return absl::StrCat(prefix_, "-", n);
  return absl::StrCat(prefix_, "-", n, "-", detail);
}

}  // namespace hotdesk::adapters
