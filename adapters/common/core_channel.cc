#include "adapters/common/core_channel.h"

namespace hotdesk::adapters {

std::shared_ptr<grpc::Channel> CreateCoreChannel(const CoreChannelConfig& config) {
  grpc::ChannelArguments args;
  // Reconnect soon after a core restart: gRPC's default backoff grows to two minutes, far longer
  // than a rolling restart of hotdesk-server takes.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  return grpc::CreateCustomChannel(config.address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace hotdesk::adapters
