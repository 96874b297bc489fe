// Who is calling the PBX-facing API (HTTP /v1/dial, /v1/pin): a bearer JWT checked by the same
// verifier as hotdesk-server (services/auth; role agent or above, its tenants), or HTTP Basic
// against a credentials file (one tenant per user). The tenant of a request comes from the
// credential: a request naming a tenant the credential does not grant is refused, naming it.
// Without either, only an explicit --insecure_pbx_no_auth lets requests in (logged at start).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/featurecodes/credentials_file.h"
#include "services/auth/token_verifier.h"

namespace hotdesk::featurecodes {

struct PbxAuthConfig {
  std::vector<std::string> key_files;  // --pbx_auth_keys: PEM/JWKS of the token issuer
  std::string credentials_file;        // --pbx_credentials_file
  bool insecure_no_auth = false;       // --insecure_pbx_no_auth
};

struct PbxCaller {
  std::string principal;  // "basic:<user>", "sub:<subject>", "anonymous"; never a secret
  bool all_tenants = false;
  std::set<std::string> tenants;

  bool MayAccess(const std::string& tenant) const {
    return all_tenants || tenants.count(tenant) > 0;
  }
  // The tenant of a request: `asked` if given, else the credential's only tenant, else
  // `fallback` (--tenant). PERMISSION_DENIED naming the tenant when not granted.
  absl::StatusOr<std::string> TenantFor(const std::string& asked, const std::string& fallback) const;
};

class PbxAuth {
 public:
  // INVALID_ARGUMENT naming the flag: no method and not --insecure_pbx_no_auth, or a file that
  // does not load.
  static absl::StatusOr<std::unique_ptr<PbxAuth>> Create(const PbxAuthConfig& config);

  // `authorization`: the header's value ("" when absent). UNAUTHENTICATED: missing, malformed,
  // wrong secret, bad or expired token; PERMISSION_DENIED: a token below role agent.
  absl::StatusOr<PbxCaller> Authenticate(const std::string& authorization);

  // The challenge for a 401: the schemes configured.
  std::string Challenge() const;
  bool enabled() const { return !insecure_; }

 private:
  bool insecure_ = false;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<CredentialsFile> credentials_;
};

}  // namespace hotdesk::featurecodes
