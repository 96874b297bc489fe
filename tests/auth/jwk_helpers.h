// Test helpers: a PEM public key as a JWK (what an OIDC provider publishes), written with
// OpenSSL's own parameter export, and small file utilities.
#pragma once

#include <string>

namespace hotdesk::auth::testing {

// {"kty":"RSA","n":...,"e":...} or {"kty":"EC","crv":"P-256","x":...,"y":...} plus kid/alg when
// not empty.
std::string PemToJwk(const std::string& public_pem_file, const std::string& kid,
                     const std::string& alg = "");
std::string ReadAll(const std::string& path);
void WriteAll(const std::string& path, const std::string& content);

}  // namespace hotdesk::auth::testing
