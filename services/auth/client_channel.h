// The one way hotdesk's clients (hotdeskctl, the adapters, tests) open a channel to
// hotdesk-server: TLS when configured, and a client interceptor that puts the bearer token in
// the `authorization` metadata of every call. A token file is re-read when it changes, so a
// rotated token (e.g. a re-projected Kubernetes Secret) is used without a restart.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "services/auth/tls.h"

namespace hotdesk::auth {

struct ClientAuthOptions {
  std::string token;       // a literal JWT (--token / HOTDESK_TOKEN)
  std::string token_file;  // or a file holding one (--token_file); wins over `token`
  ClientTlsOptions tls;
};

// Where a client's token comes from.
class TokenSource {
 public:
  // A literal token, or a file (read now: an unreadable file is an error).
  static absl::StatusOr<std::shared_ptr<TokenSource>> Create(const std::string& token,
                                                             const std::string& token_file);
  // The current token ("" when none); re-reads the file at most once a second if it changed.
  std::string Current();

 private:
  absl::Status ReadFile();

  std::string file_;
  std::mutex mu_;
  std::string token_;
  int64_t stamp_ = -1;  // mtime_ns ^ size ^ inode of the file last read
  std::atomic<int64_t> next_check_ns_{0};
};

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& target, const ClientAuthOptions& options,
    grpc::ChannelArguments args = grpc::ChannelArguments());

}  // namespace hotdesk::auth
