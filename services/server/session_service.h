// hotdesk.v1.Session: the caller's own verified identity (WhoAmI), for consoles and scripts
// that show only what the caller's role allows.
#pragma once

#include "hotdesk/v1/session.grpc.pb.h"
#include "services/rpc/unary_call.h"

namespace hotdesk {

class SessionService final : public v1::Session::CallbackService {
 public:
  SessionService(RpcMetrics* metrics, const auth::Gatekeeper* gate);

  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* ctx, const v1::WhoAmIRequest* req,
                                   v1::WhoAmIResponse* resp) override;

 private:
  RpcMethod who_am_i_;
};

// The verified caller as WhoAmI answers it.
v1::WhoAmIResponse DescribeCaller(const auth::Caller& caller);

}  // namespace hotdesk
