// Mints bearer JWTs from a local private key: for development, tests and `hotdeskctl token`.
// Production tokens normally come from an OIDC provider; the verifier takes either.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotdesk::auth {

struct TokenClaims {
  std::string subject;               // "sub"
  std::vector<std::string> tenants;  // {"*"} for every tenant
  std::string role;                  // viewer | agent | operator | admin; empty: no role claim
  std::string source;                // CSTA | XSP | FEATURE_CODE; empty: none
  std::string audience;              // "aud", optional
  std::string issuer;                // "iss", optional
  std::string kid;                   // header "kid", optional
  absl::Time issued_at = absl::Now();
  absl::Duration ttl = absl::Hours(1);  // exp = issued_at + ttl
};

// Signs with RS256 for an RSA key, ES256/384/512 for an EC key of that curve.
absl::StatusOr<std::string> MintToken(absl::string_view private_key_pem, const TokenClaims& claims);
absl::StatusOr<std::string> MintTokenFromFile(const std::string& private_key_file,
                                              const TokenClaims& claims);

}  // namespace hotdesk::auth
