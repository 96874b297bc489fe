// The benchmark-only empty RPC (hotdesk.v1.Bench/Ping): the ceiling hotdesk-bench measures
// Establish/Cancel against. Registered only with --enable_bench_service.
#pragma once

#include "hotdesk/v1/bench.grpc.pb.h"

namespace hotdesk {

class BenchService final : public v1::Bench::CallbackService {
 public:
  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* ctx, const v1::PingRequest* req,
                                 v1::PingResponse* resp) override {
    resp->set_size(static_cast<int32_t>(req->payload().size()));
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace hotdesk
