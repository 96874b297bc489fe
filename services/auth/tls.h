// TLS for gRPC: the server's certificate (and, for mTLS, the CA its clients' certificates must
// chain to), and a client's trust anchors and certificate. Files are watched by gRPC and re-read
// when they change, so certificates rotate without a restart.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

namespace hotdesk::auth {

struct ServerTlsOptions {
  std::string cert_file;       // PEM chain; empty: plaintext
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // PEM CA(s): clients must present a certificate they signed
  unsigned refresh_seconds = 60;
};

// Plaintext credentials when cert_file is empty. The files are checked now (readable, key
// matches certificate), so that a mistake stops the start with a clear error.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsOptions& options);

struct ClientTlsOptions {
  bool enabled = false;
  std::string ca_file;    // trust anchors; empty: the system's
  std::string cert_file;  // client certificate for mTLS (with key_file)
  std::string key_file;
  std::string server_name;  // expected name in the server certificate, if not the host dialled
  unsigned refresh_seconds = 60;
};

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ClientTlsOptions& options);

}  // namespace hotdesk::auth
