// Public keys that sign bearer tokens, from PEM files (public keys or certificates, several per
// file during a rotation) or JWKS files (what an OIDC provider publishes). Every key is turned
// into a PEM public key, the form libjwt verifies with.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotdesk::auth {

struct VerificationKey {
  enum class Type { kRsa, kEc };
  Type type = Type::kRsa;
  // The JWS algorithms this key may verify: RS256/RS384/RS512 for RSA, the one ES* of its curve.
  std::vector<std::string> algs;
  std::string kid;  // JWKS "kid"; empty for PEM keys
  std::string pem;  // SubjectPublicKeyInfo PEM
  std::string origin;  // file it came from, for logs
};

// Reads one file: JWKS when it parses as JSON with "keys", PEM otherwise. Refuses private keys
// (the verifier needs only public ones), RSA keys under 2048 bits, curves other than P-256/384/521
// and files with no usable key, naming the file and why.
absl::StatusOr<std::vector<VerificationKey>> LoadVerificationKeys(const std::string& path);
absl::StatusOr<std::vector<VerificationKey>> ParseVerificationKeys(absl::string_view content,
                                                                   absl::string_view origin);

// The JWS algorithm that a private key in PEM signs with (RS256 for RSA, ES256/384/512 by curve);
// for minting tokens.
absl::StatusOr<std::string> SigningAlgorithmOf(absl::string_view private_key_pem);

}  // namespace hotdesk::auth
