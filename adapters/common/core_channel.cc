#include "adapters/common/core_channel.h"

#include "absl/strings/str_cat.h"

namespace hotdesk::adapters {

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateCoreChannel(const CoreChannelConfig& config) {
  grpc::ChannelArguments args;
  // Reconnect soon after a core restart: gRPC's default backoff grows to two minutes, far longer
  // than a rolling restart of hotdesk-server takes.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  if (config.keepalive) {
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  }
  return auth::MakeChannel(config.address, config.auth, args);
}

std::string DescribeCoreAuth(const auth::ClientAuthOptions& auth) {
  std::string token = !auth.token_file.empty() ? absl::StrCat("token file ", auth.token_file)
                      : !auth.token.empty()    ? std::string("token from flag/environment")
                                               : std::string("no token");
  std::string tls = !auth.tls.enabled           ? std::string("plaintext")
                    : !auth.tls.cert_file.empty() ? std::string("TLS with client certificate")
                                                  : std::string("TLS");
  return absl::StrCat(token, ", ", tls);
}

}  // namespace hotdesk::adapters
