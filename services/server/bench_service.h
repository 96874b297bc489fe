// The benchmark-only empty RPC (hotdesk.v1.Bench/Ping): the ceiling hotdesk-bench measures
// Establish/Cancel against. Registered only with --enable_bench_service. It passes the same gate
// as every RPC, but records no metrics: it is the floor of an RPC's cost.
#pragma once

#include "hotdesk/v1/bench.grpc.pb.h"
#include "services/rpc/unary_call.h"

namespace hotdesk {

class BenchService final : public v1::Bench::CallbackService {
 public:
  BenchService(RpcMetrics* metrics, const auth::Gatekeeper* gate)
      : ping_(RpcMethod::Make(metrics, gate, "hotdesk.v1.Bench", "Ping", "unary")) {}

  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* ctx, const v1::PingRequest* req,
                                 v1::PingResponse* resp) override {
    auto* reactor = ctx->DefaultReactor();
    if (auto caller = ping_.Admit(ctx, *req); !caller.ok()) {
      reactor->Finish(ToGrpcStatus(caller.status()));
      return reactor;
    }
    resp->set_size(static_cast<int32_t>(req->payload().size()));
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  RpcMethod ping_;
};

}  // namespace hotdesk
