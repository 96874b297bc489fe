// Runs an asynchronous unary handler on the callback API: deadline from the call, status mapped
// to gRPC with details, metrics recorded once.
#pragma once

#include <chrono>
#include <functional>

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/completion_batch.h"
#include "services/common/done.h"
#include "services/common/status.h"
#include "services/rpc/method_metrics.h"

namespace hotdesk {

// The call's deadline, or now + `fallback` when the client set none.
inline absl::Time CallDeadline(const grpc::CallbackServerContext* ctx,
                               absl::Duration fallback = absl::Seconds(10)) {
  auto d = ctx->deadline();
  if (d == std::chrono::system_clock::time_point::max()) return absl::Now() + fallback;
  return std::min(absl::FromChrono(d), absl::Now() + absl::Hours(1));
}

template <typename Resp>
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx, MethodMetrics* metrics,
                                   Resp* response,
                                   std::function<void(absl::Time, Done<Resp>)> body) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  metrics->Started();
  absl::Time start = absl::Now();
  body(CallDeadline(ctx), [reactor, metrics, response, start](absl::StatusOr<Resp> r) {
    grpc::Status status;
    if (r.ok()) {
      *response = std::move(*r);
    } else {
      status = ToGrpcStatus(r.status());
    }
    metrics->Record(status.error_code(), absl::ToDoubleSeconds(absl::Now() - start));
    RunOrDefer([reactor, status] { reactor->Finish(status); });
  });
  return reactor;
}

}  // namespace hotdesk
