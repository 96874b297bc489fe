#include "tests/auth/jwk_helpers.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/escaping.h"

namespace hotdesk::auth::testing {
namespace {

std::string B64(const std::string& raw) {
  std::string out;
  absl::WebSafeBase64Escape(raw, &out);
  return out;
}

std::string BnParam(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(k, name, &bn);
  std::string out(BN_num_bytes(bn), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

}  // namespace

std::string PemToJwk(const std::string& public_pem_file, const std::string& kid,
                     const std::string& alg) {
  FILE* f = fopen(public_pem_file.c_str(), "rb");
  EVP_PKEY* k = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
  fclose(f);
  nlohmann::json j;
  if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
    j["kty"] = "RSA";
    j["n"] = B64(BnParam(k, OSSL_PKEY_PARAM_RSA_N));
    j["e"] = B64(BnParam(k, OSSL_PKEY_PARAM_RSA_E));
  } else {
    unsigned char pub[256];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &len);
    size_t half = (len - 1) / 2;
    j["kty"] = "EC";
    j["crv"] = "P-256";
    j["x"] = B64(std::string(reinterpret_cast<char*>(pub) + 1, half));
    j["y"] = B64(std::string(reinterpret_cast<char*>(pub) + 1 + half, half));
  }
  EVP_PKEY_free(k);
  if (!kid.empty()) j["kid"] = kid;
  if (!alg.empty()) j["alg"] = alg;
  j["use"] = "sig";
  return j.dump();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& content) {
  // Write then rename, as a Secret update or an editor does: readers see old or new, whole.
  std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << content;
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace hotdesk::auth::testing
