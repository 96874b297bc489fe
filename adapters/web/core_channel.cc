#include "adapters/web/core_channel.h"

#include <fstream>
#include <sstream>

namespace hotdesk::web {

std::shared_ptr<grpc::Channel> CreateCoreChannel(const CoreChannelConfig& config) {
  grpc::ChannelArguments args;
  // Browsers keep event streams open for hours; keepalive notices a dead server.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!config.tls_ca.empty()) {
    std::ifstream in(config.tls_ca);
    std::stringstream pem;
    pem << in.rdbuf();
    grpc::SslCredentialsOptions opts;
    opts.pem_root_certs = pem.str();
    creds = grpc::SslCredentials(opts);
  }
  return grpc::CreateCustomChannel(config.address, creds, args);
}

void AddCallerToken(grpc::ClientContext* context, const std::string& token) {
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
}

}  // namespace hotdesk::web
