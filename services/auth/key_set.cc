#include "services/auth/key_set.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hotdesk::auth {
namespace {

using Json = nlohmann::json;

struct Free {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

// A string member, or `fallback` when absent or not a string (never throws).
std::string Str(const Json& obj, const char* field, const char* fallback = "") {
  auto it = obj.find(field);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

absl::Status Bad(absl::string_view origin, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("key file ", origin, ": ", why));
}

// "prime256v1" etc. -> the ES algorithm of that curve; "" for other curves.
std::string EcAlgorithm(const EVP_PKEY* key) {
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) !=
      1)
    return "";
  absl::string_view g(group, len);
  if (g == "prime256v1" || g == "P-256") return "ES256";
  if (g == "secp384r1" || g == "P-384") return "ES384";
  if (g == "secp521r1" || g == "P-521") return "ES512";
  return "";
}

// Classifies a public key and renders it as PEM.
absl::StatusOr<VerificationKey> FromPublicKey(EVP_PKEY* key, absl::string_view origin) {
  VerificationKey out;
  out.origin = std::string(origin);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) < 2048) return Bad(origin, "RSA key shorter than 2048 bits");
      out.type = VerificationKey::Type::kRsa;
      out.algs = {"RS256", "RS384", "RS512"};
      break;
    case EVP_PKEY_EC: {
      std::string alg = EcAlgorithm(key);
      if (alg.empty()) return Bad(origin, "EC key on a curve other than P-256, P-384 or P-521");
      out.type = VerificationKey::Type::kEc;
      out.algs = {alg};
      break;
    }
    default:
      return Bad(origin, "only RSA and EC (P-256/384/521) keys are supported");
  }
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) return Bad(origin, "cannot encode key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  out.pem.assign(data, static_cast<size_t>(len));
  return out;
}

absl::StatusOr<std::vector<VerificationKey>> ParsePem(absl::string_view content,
                                                      absl::string_view origin) {
  Owned<BIO> bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  std::vector<VerificationKey> keys;
  while (true) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) break;
    std::string block = name;
    const unsigned char* p = data;
    Owned<EVP_PKEY> key;
    Owned<X509> cert;
    if (block == "PUBLIC KEY") {
      key.reset(d2i_PUBKEY(nullptr, &p, len));
    } else if (block == "CERTIFICATE") {
      cert.reset(d2i_X509(nullptr, &p, len));
      if (cert) key.reset(X509_get_pubkey(cert.get()));
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (absl::StrContains(block, "PRIVATE KEY"))
      return Bad(origin, "holds a private key; give the verifier only the public key");
    if (block != "PUBLIC KEY" && block != "CERTIFICATE")
      return Bad(origin, absl::StrCat("unexpected PEM block \"", block, "\""));
    if (!key) return Bad(origin, absl::StrCat("unreadable ", block));
    auto k = FromPublicKey(key.get(), origin);
    if (!k.ok()) return k.status();
    keys.push_back(std::move(*k));
  }
  if (keys.empty()) return Bad(origin, "no PEM public key or certificate found");
  return keys;
}

absl::StatusOr<std::string> Base64UrlField(const Json& jwk, const char* field,
                                           absl::string_view what) {
  auto it = jwk.find(field);
  std::string out;
  if (it == jwk.end() || !it->is_string() || !absl::WebSafeBase64Unescape(it->get<std::string>(), &out) ||
      out.empty())
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": \"", field, "\" missing or not base64url"));
  return out;
}

Owned<EVP_PKEY> KeyFromParams(const char* type, OSSL_PARAM_BLD* bld) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return nullptr;
  Owned<EVP_PKEY> owned(key);
  // Refuses points off the curve and the like.
  Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  return owned;
}

absl::StatusOr<Owned<EVP_PKEY>> JwkToKey(const Json& jwk, absl::string_view what) {
  std::string kty = Str(jwk, "kty");
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (kty == "RSA") {
    auto n = Base64UrlField(jwk, "n", what);
    if (!n.ok()) return n.status();
    auto e = Base64UrlField(jwk, "e", what);
    if (!e.ok()) return e.status();
    Owned<BIGNUM> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                                 static_cast<int>(n->size()), nullptr));
    Owned<BIGNUM> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                                 static_cast<int>(e->size()), nullptr));
    if (!bn_n || !bn_e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
      return absl::InvalidArgumentError(absl::StrCat(what, ": bad RSA parameters"));
    auto key = KeyFromParams("RSA", bld.get());
    if (!key) return absl::InvalidArgumentError(absl::StrCat(what, ": bad RSA key"));
    return key;
  }
  if (kty == "EC") {
    std::string crv = Str(jwk, "crv");
    const char* group = crv == "P-256"   ? "prime256v1"
                        : crv == "P-384" ? "secp384r1"
                        : crv == "P-521" ? "secp521r1"
                                         : nullptr;
    if (!group)
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": curve \"", crv, "\" (expected P-256, P-384 or P-521)"));
    auto x = Base64UrlField(jwk, "x", what);
    if (!x.ok()) return x.status();
    auto y = Base64UrlField(jwk, "y", what);
    if (!y.ok()) return y.status();
    std::string point = "\x04" + *x + *y;  // uncompressed point
    if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1)
      return absl::InvalidArgumentError(absl::StrCat(what, ": bad EC parameters"));
    auto key = KeyFromParams("EC", bld.get());
    if (!key) return absl::InvalidArgumentError(absl::StrCat(what, ": bad EC key (not on curve?)"));
    return key;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": key type \"", kty, "\" (expected RSA or EC)"));
}

absl::StatusOr<std::vector<VerificationKey>> ParseJwks(const Json& doc, absl::string_view origin) {
  std::vector<VerificationKey> keys;
  auto it = doc.find("keys");
  if (it == doc.end() || !it->is_array()) return Bad(origin, "JWKS \"keys\" is not an array");
  const Json& list = *it;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& jwk = list[i];
    std::string what = absl::StrCat("keys[", i, "]");
    if (!jwk.is_object()) return Bad(origin, what + " is not an object");
    // Encryption keys in the same set are not for us.
    if (Str(jwk, "use", "sig") != "sig") continue;
    if (jwk.contains("d")) return Bad(origin, what + " holds a private key");
    auto key = JwkToKey(jwk, what);
    if (!key.ok()) return Bad(origin, key.status().message());
    auto k = FromPublicKey(key->get(), origin);
    if (!k.ok()) return k.status();
    k->kid = Str(jwk, "kid");
    std::string alg = Str(jwk, "alg");
    if (!alg.empty()) {
      bool fits = false;
      for (const auto& a : k->algs) fits = fits || a == alg;
      if (!fits) return Bad(origin, absl::StrCat(what, ": alg \"", alg, "\" does not fit the key"));
      k->algs = {alg};
    }
    keys.push_back(std::move(*k));
  }
  if (keys.empty()) return Bad(origin, "JWKS holds no signing key");
  return keys;
}

}  // namespace

absl::StatusOr<std::vector<VerificationKey>> ParseVerificationKeys(absl::string_view content,
                                                                   absl::string_view origin) {
  Json doc = Json::parse(content.begin(), content.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded()) {
    if (!doc.is_object() || !doc.contains("keys"))
      return Bad(origin, "JSON but not a JWKS (no \"keys\")");
    return ParseJwks(doc, origin);
  }
  return ParsePem(content, origin);
}

absl::StatusOr<std::vector<VerificationKey>> LoadVerificationKeys(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("key file ", path, ": cannot be read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseVerificationKeys(ss.str(), path);
}

absl::StatusOr<std::string> SigningAlgorithmOf(absl::string_view private_key_pem) {
  Owned<BIO> bio(BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
  Owned<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return absl::InvalidArgumentError("not a PEM private key");
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_RSA) return std::string("RS256");
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_EC) {
    std::string alg = EcAlgorithm(key.get());
    if (!alg.empty()) return alg;
  }
  return absl::InvalidArgumentError("private key is neither RSA nor EC on P-256/384/521");
}

}  // namespace hotdesk::auth
