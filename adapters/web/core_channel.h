// The gateway's one gRPC channel to hotdesk-server. Kept in this one file so that switching to
// the adapters' shared channel factory (adapters/common, TLS and tokens) changes one place.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace hotdesk::web {

struct CoreChannelConfig {
  std::string address;  // host:port
  std::string tls_ca;   // PEM file of the CA that signed the server's certificate; "" = plaintext
};

std::shared_ptr<grpc::Channel> CreateCoreChannel(const CoreChannelConfig& config);

// The metadata that carries the caller's token to the core ("authorization: Bearer ...").
void AddCallerToken(grpc::ClientContext* context, const std::string& token);

}  // namespace hotdesk::web
