// The one place where an adapter opens its gRPC channel to hotdesk-server, so that transport
// security and credentials are configured once for all of them. It builds on services/auth's
// client channel (TLS, and an interceptor that sends the bearer token on every call); the token
// file is re-read when it changes (checked at most once a second), so a rotated token is used
// without a restart.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "services/auth/client_channel.h"

namespace hotdesk::adapters {

struct CoreChannelConfig {
  // hotdesk-server address, host:port (or any gRPC target such as dns:///hotdesk:50051).
  std::string address = "127.0.0.1:50051";
  // The adapter's own token (literal or file) and TLS towards the core. No token: calls go
  // without one (only a server run with --insecure_no_auth accepts them). hotdesk-web sets no
  // token here: it forwards each signed-in user's token per call.
  auth::ClientAuthOptions auth;
  // Keepalive pings, for callers whose streams stay open for hours (browsers' event streams).
  bool keepalive = false;
};

// INVALID_ARGUMENT naming the file when the token file or a TLS file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateCoreChannel(const CoreChannelConfig& config);

// One line for the start-up log: how the adapter reaches the core ("token file /x, TLS with
// client certificate"); never the token.
std::string DescribeCoreAuth(const auth::ClientAuthOptions& auth);

}  // namespace hotdesk::adapters
