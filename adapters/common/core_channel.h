// The one place where an adapter (and hotdeskctl) opens its gRPC channel to hotdesk-server, so
// that transport security and credentials are configured once for all of them.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace hotdesk::adapters {

struct CoreChannelConfig {
  // hotdesk-server address, host:port (or any gRPC target such as dns:///hotdesk:50051).
  std::string address = "127.0.0.1:50051";
};

std::shared_ptr<grpc::Channel> CreateCoreChannel(const CoreChannelConfig& config);

}  // namespace hotdesk::adapters
