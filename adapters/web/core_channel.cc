#include "adapters/web/core_channel.h"

#include "adapters/common/core_channel.h"

namespace hotdesk::web {

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateCoreChannel(const CoreChannelConfig& config) {
  adapters::CoreChannelConfig c;
  c.address = config.address;
  c.auth.tls = config.tls;
  // Browsers keep event streams open for hours; keepalive notices a dead server.
  c.keepalive = true;
  return adapters::CreateCoreChannel(c);
}

void AddCallerToken(grpc::ClientContext* context, const std::string& token) {
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
}

}  // namespace hotdesk::web
