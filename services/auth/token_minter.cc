#include "services/auth/token_minter.h"

#include <jwt.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "services/auth/key_set.h"
#include "services/auth/role.h"

namespace hotdesk::auth {

absl::StatusOr<std::string> MintToken(absl::string_view private_key_pem,
                                      const TokenClaims& claims) {
  auto alg = SigningAlgorithmOf(private_key_pem);
  if (!alg.ok()) return alg.status();
  if (!claims.role.empty()) {
    if (auto r = ParseRole(claims.role); !r.ok()) return r.status();
  }
  nlohmann::json body = nlohmann::json::object();
  if (!claims.subject.empty()) body["sub"] = claims.subject;
  if (!claims.role.empty()) body["role"] = claims.role;
  if (!claims.source.empty()) body["source"] = claims.source;
  if (!claims.audience.empty()) body["aud"] = claims.audience;
  if (!claims.issuer.empty()) body["iss"] = claims.issuer;
  if (claims.tenants.size() == 1 && claims.tenants[0] == "*")
    body["tenants"] = "*";
  else if (!claims.tenants.empty())
    body["tenants"] = claims.tenants;
  body["iat"] = absl::ToUnixSeconds(claims.issued_at);
  body["exp"] = absl::ToUnixSeconds(claims.issued_at + claims.ttl);

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::ResourceExhaustedError("jwt_new failed");
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
  if (jwt_add_grants_json(jwt.get(), body.dump().c_str()) != 0)
    return absl::InternalError("cannot set token claims");
  if (!claims.kid.empty() && jwt_add_header(jwt.get(), "kid", claims.kid.c_str()) != 0)
    return absl::InternalError("cannot set key id");
  if (jwt_set_alg(jwt.get(), jwt_str_alg(alg->c_str()),
                  reinterpret_cast<const unsigned char*>(private_key_pem.data()),
                  static_cast<int>(private_key_pem.size())) != 0)
    return absl::InvalidArgumentError(absl::StrCat("cannot sign with this key as ", *alg));
  char* encoded = jwt_encode_str(jwt.get());
  if (!encoded) return absl::InternalError("cannot sign the token");
  std::string token(encoded);
  free(encoded);
  return token;
}

absl::StatusOr<std::string> MintTokenFromFile(const std::string& private_key_file,
                                              const TokenClaims& claims) {
  std::ifstream in(private_key_file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read key file ", private_key_file));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string pem = ss.str();
  auto token = MintToken(pem, claims);
  std::fill(pem.begin(), pem.end(), '\0');
  return token;
}

}  // namespace hotdesk::auth
