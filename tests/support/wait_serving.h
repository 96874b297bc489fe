// hotdesk-server prints its port before its Redis connections are up; tests that call it at
// once wait for grpc.health.v1 to say SERVING first.
#pragma once

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace hotdesk::testing {

inline bool WaitServing(const std::shared_ptr<grpc::Channel>& channel,
                        absl::Duration timeout = absl::Seconds(10)) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    if (stub->Check(&ctx, req, &resp).ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING)
      return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

}  // namespace hotdesk::testing
