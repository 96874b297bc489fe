// The gateway's one gRPC channel to hotdesk-server, opened by the adapters' shared factory
// (adapters/common: TLS towards the core, keepalive for long event streams). The gateway has no
// token of its own: every call carries the token of the user it serves.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "services/auth/tls.h"

namespace hotdesk::web {

struct CoreChannelConfig {
  std::string address;         // host:port
  auth::ClientTlsOptions tls;  // --core_tls_* (or the older --server_tls_ca)
};

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateCoreChannel(const CoreChannelConfig& config);

// The metadata that carries the caller's token to the core ("authorization: Bearer ...").
void AddCallerToken(grpc::ClientContext* context, const std::string& token);

}  // namespace hotdesk::web
