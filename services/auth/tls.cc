#include "services/auth/tls.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "absl/strings/str_cat.h"

namespace hotdesk::auth {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { fclose(f); }
};

absl::Status Readable(const std::string& path, const char* flag) {
  std::unique_ptr<FILE, FileCloser> f(fopen(path.c_str(), "rb"));
  if (!f) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  return absl::OkStatus();
}

// The certificate's key and the private key belong together.
absl::Status KeyMatchesCert(const std::string& cert_file, const std::string& key_file,
                            const char* cert_flag, const char* key_flag) {
  std::unique_ptr<FILE, FileCloser> cf(fopen(cert_file.c_str(), "rb"));
  std::unique_ptr<FILE, FileCloser> kf(fopen(key_file.c_str(), "rb"));
  if (!cf) return absl::InvalidArgumentError(absl::StrCat(cert_flag, ": cannot read ", cert_file));
  if (!kf) return absl::InvalidArgumentError(absl::StrCat(key_flag, ": cannot read ", key_file));
  std::unique_ptr<X509, void (*)(X509*)> cert(PEM_read_X509(cf.get(), nullptr, nullptr, nullptr),
                                              X509_free);
  if (!cert)
    return absl::InvalidArgumentError(absl::StrCat(cert_flag, ": no PEM certificate in ", cert_file));
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      PEM_read_PrivateKey(kf.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key)
    return absl::InvalidArgumentError(
        absl::StrCat(key_flag, ": no unencrypted PEM private key in ", key_file));
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return absl::InvalidArgumentError(
        absl::StrCat(key_flag, ": the key does not belong to the certificate in ", cert_flag));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerTlsOptions& o) {
  if (o.cert_file.empty()) {
    if (!o.key_file.empty() || !o.client_ca_file.empty())
      return absl::InvalidArgumentError("--tls_key and --tls_client_ca need --tls_cert");
    return grpc::InsecureServerCredentials();
  }
  if (auto s = KeyMatchesCert(o.cert_file, o.key_file, "--tls_cert", "--tls_key"); !s.ok()) return s;
  if (!o.client_ca_file.empty()) {
    if (auto s = Readable(o.client_ca_file, "--tls_client_ca"); !s.ok()) return s;
  }
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      o.key_file, o.cert_file, o.client_ca_file, o.refresh_seconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!o.client_ca_file.empty()) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const ClientTlsOptions& o) {
  if (!o.enabled) return grpc::InsecureChannelCredentials();
  if (o.cert_file.empty() != o.key_file.empty())
    return absl::InvalidArgumentError("a client certificate needs both --tls_cert and --tls_key");
  if (!o.cert_file.empty()) {
    if (auto s = KeyMatchesCert(o.cert_file, o.key_file, "--tls_cert", "--tls_key"); !s.ok())
      return s;
  }
  if (!o.ca_file.empty()) {
    if (auto s = Readable(o.ca_file, "--tls_ca"); !s.ok()) return s;
  }
  grpc::experimental::TlsChannelCredentialsOptions options;
  if (!o.ca_file.empty() || !o.cert_file.empty()) {
    options.set_certificate_provider(
        std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
            o.key_file, o.cert_file, o.ca_file, o.refresh_seconds));
    if (!o.ca_file.empty()) options.watch_root_certs();
    if (!o.cert_file.empty()) options.watch_identity_key_cert_pairs();
  }
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace hotdesk::auth
