// Token verification with real keys and libjwt: what passes, what is UNAUTHENTICATED and why,
// the cache, key rotation, an independent issuer's JWKS and tokens, and the cost per call.
#include "services/auth/token_verifier.h"

#include <jwt.h>

#include <chrono>
#include <cstdio>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "services/auth/token_minter.h"
#include "services/common/status.h"
#include "tests/auth/jwk_helpers.h"
#include "tests/support/pki.h"
#include "tests/support/processes.h"

namespace hotdesk::auth {
namespace {

using ::testing::HasSubstr;
using hotdesk::testing::SharedPki;
using testing::PemToJwk;
using testing::ReadAll;
using testing::WriteAll;

std::unique_ptr<TokenVerifier> MakeVerifier(std::vector<std::string> files,
                                            VerifierOptions o = {}) {
  o.key_files = std::move(files);
  auto v = TokenVerifier::Create(o);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? std::move(*v) : nullptr;
}

TokenClaims Claims(std::vector<std::string> tenants, std::string role) {
  TokenClaims c;
  c.subject = "alice";
  c.tenants = std::move(tenants);
  c.role = std::move(role);
  return c;
}

void ExpectUnauthenticated(const absl::StatusOr<std::shared_ptr<const Caller>>& r,
                           const std::string& reason, const std::string& token) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated) << r.status();
  EXPECT_EQ(ErrorReason(r.status()), reason) << r.status();
  if (!token.empty()) EXPECT_THAT(std::string(r.status().message()), ::testing::Not(HasSubstr(token)));
}

TEST(TokenVerifierTest, ValidTokensGiveTheirClaims) {
  const auto& pki = SharedPki();
  auto v = MakeVerifier({pki.jwt_public, pki.jwt_ec_public});
  TokenClaims c = Claims({"acme", "globex"}, "operator");
  auto rs = v->Verify(pki.Token(c));
  ASSERT_TRUE(rs.ok()) << rs.status();
  EXPECT_EQ((*rs)->role, Role::kOperator);
  EXPECT_THAT((*rs)->tenants, ::testing::ElementsAre("acme", "globex"));
  EXPECT_FALSE((*rs)->all_tenants);
  EXPECT_EQ((*rs)->principal, "sub:alice");
  EXPECT_FALSE((*rs)->source.has_value());
  EXPECT_TRUE((*rs)->MayAccessTenant("acme"));
  EXPECT_FALSE((*rs)->MayAccessTenant("initech"));

  TokenClaims all = Claims({"*"}, "agent");
  all.source = "csta";
  all.subject = "";
  auto es = v->Verify(pki.Token(all, pki.jwt_ec_private));
  ASSERT_TRUE(es.ok()) << es.status();
  EXPECT_TRUE((*es)->all_tenants);
  EXPECT_EQ((*es)->source, v1::SOURCE_CSTA);
  EXPECT_THAT((*es)->principal, ::testing::StartsWith("token:"));
}

TEST(TokenVerifierTest, ExpiredForgedTamperedAndMalformedAreUnauthenticated) {
  const auto& pki = SharedPki();
  auto v = MakeVerifier({pki.jwt_public});
  TokenClaims c = Claims({"acme"}, "admin");
  c.issued_at = absl::Now() - absl::Hours(2);
  std::string expired = pki.Token(c);
  ExpectUnauthenticated(v->Verify(expired), "TOKEN_EXPIRED", expired);

  std::string forged = pki.Token(Claims({"acme"}, "admin"), pki.forger_private);
  ExpectUnauthenticated(v->Verify(forged), "TOKEN_INVALID", forged);

  // A viewer's token with the payload swapped for an admin's, signature kept.
  std::string viewer = pki.Token(Claims({"acme"}, "viewer"));
  std::string admin = pki.Token(Claims({"acme"}, "admin"));
  std::vector<std::string> vp = absl::StrSplit(viewer, '.');
  std::vector<std::string> ap = absl::StrSplit(admin, '.');
  std::string spliced = vp[0] + "." + ap[1] + "." + vp[2];
  ExpectUnauthenticated(v->Verify(spliced), "TOKEN_INVALID", spliced);

  for (const char* junk : {"", "abc", "a.b", "a.b.c", "..", "eyJhbGciOiJSUzI1NiJ9.e30."})
    ExpectUnauthenticated(v->Verify(junk), "TOKEN_INVALID", "");
  ExpectUnauthenticated(v->Verify(std::string(20000, 'a')), "TOKEN_INVALID", "");

  TokenClaims no_role = Claims({"acme"}, "");
  auto nr = v->Verify(pki.Token(no_role));
  ASSERT_TRUE(nr.ok());
  EXPECT_EQ((*nr)->role, Role::kNone);
}

// libjwt alone takes the algorithm from the token header: an HS256 token whose HMAC secret is
// the server's public key PEM (public, by definition) would verify. The verifier must refuse it,
// and alg "none" too.
TEST(TokenVerifierTest, AlgorithmConfusionAndNoneAreRefused) {
  const auto& pki = SharedPki();
  auto v = MakeVerifier({pki.jwt_public});
  std::string pem = ReadAll(pki.jwt_public);
  for (jwt_alg_t alg : {JWT_ALG_HS256, JWT_ALG_NONE}) {
    jwt_t* j = nullptr;
    jwt_new(&j);
    jwt_add_grants_json(j, "{\"sub\":\"evil\",\"role\":\"admin\",\"tenants\":\"*\",\"exp\":9999999999}");
    jwt_set_alg(j, alg, alg == JWT_ALG_NONE ? nullptr : reinterpret_cast<const unsigned char*>(pem.data()),
                alg == JWT_ALG_NONE ? 0 : static_cast<int>(pem.size()));
    char* t = jwt_encode_str(j);
    std::string token = t;
    free(t);
    jwt_free(j);
    auto r = v->Verify(token);
    ExpectUnauthenticated(r, "TOKEN_INVALID", token);
    if (alg == JWT_ALG_HS256)
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("\"HS256\" is not accepted"));
  }
  // An RS256 token presented as ES256 (header rewritten) finds no key.
  auto ec_only = MakeVerifier({pki.jwt_ec_public});
  ExpectUnauthenticated(ec_only->Verify(pki.Token(Claims({"a"}, "admin"))), "TOKEN_INVALID", "");
}

TEST(TokenVerifierTest, ExpIsRequiredAudienceAndIssuerCheckedWhenConfigured) {
  const auto& pki = SharedPki();
  {
    jwt_t* j = nullptr;
    jwt_new(&j);
    jwt_add_grants_json(j, "{\"sub\":\"x\",\"role\":\"admin\"}");
    std::string key = ReadAll(pki.jwt_private);
    jwt_set_alg(j, JWT_ALG_RS256, reinterpret_cast<const unsigned char*>(key.data()),
                static_cast<int>(key.size()));
    char* t = jwt_encode_str(j);
    std::string token = t;
    free(t);
    jwt_free(j);
    auto r = MakeVerifier({pki.jwt_public})->Verify(token);
    ExpectUnauthenticated(r, "TOKEN_INVALID", token);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("exp"));
  }
  VerifierOptions o;
  o.audience = "hotdesk";
  o.issuer = "https://idp.example";
  auto v = MakeVerifier({pki.jwt_public}, o);
  TokenClaims c = Claims({"a"}, "viewer");
  ExpectUnauthenticated(v->Verify(pki.Token(c)), "TOKEN_INVALID", "");
  c.audience = "hotdesk";
  ExpectUnauthenticated(v->Verify(pki.Token(c)), "TOKEN_INVALID", "");  // no issuer
  c.issuer = "https://idp.example";
  EXPECT_TRUE(v->Verify(pki.Token(c)).ok());
  c.audience = "someone-else";
  ExpectUnauthenticated(v->Verify(pki.Token(c)), "TOKEN_INVALID", "");
}

TEST(TokenVerifierTest, MalformedClaimsAreUnauthenticated) {
  const auto& pki = SharedPki();
  auto v = MakeVerifier({pki.jwt_public});
  TokenClaims c = Claims({"a"}, "viewer");
  c.source = "EXPIRY";  // the server's own, never a caller's
  ExpectUnauthenticated(v->Verify(pki.Token(c)), "TOKEN_INVALID", "");
  c.source = "PIGEON";
  ExpectUnauthenticated(v->Verify(pki.Token(c)), "TOKEN_INVALID", "");
  EXPECT_FALSE(MintToken(ReadAll(pki.jwt_private), Claims({"a"}, "root")).ok());
}

TEST(TokenVerifierTest, CacheAnswersRepeatsAndStaysBounded) {
  const auto& pki = SharedPki();
  VerifierOptions o;
  o.cache_size = 2;
  auto v = MakeVerifier({pki.jwt_public}, o);
  std::string t1 = pki.Token(Claims({"a"}, "viewer"));
  auto first = v->Verify(t1);
  auto second = v->Verify(t1);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get()) << "the second call should be answered from the cache";
  EXPECT_EQ(v->cached_tokens(), 1u);
  for (const char* t : {"b", "c", "d"}) ASSERT_TRUE(v->Verify(pki.Token(Claims({t}, "viewer"))).ok());
  EXPECT_EQ(v->cached_tokens(), 2u);
  // Failures are not cached.
  v->Verify(pki.Token(Claims({"a"}, "viewer"), pki.forger_private)).IgnoreError();
  EXPECT_EQ(v->cached_tokens(), 2u);
}

TEST(TokenVerifierTest, KeyRotationTakesEffectAndABrokenFileKeepsTheOldKeys) {
  const auto& pki = SharedPki();
  std::string file = pki.scratch + "/rotating.pem";
  WriteAll(file, ReadAll(pki.jwt_public));
  VerifierOptions o;
  o.reload_check = absl::Milliseconds(1);
  auto v = MakeVerifier({file}, o);
  std::string old_token = pki.Token(Claims({"a"}, "admin"));
  std::string new_token = pki.Token(Claims({"a"}, "admin"), pki.jwt_ec_private);
  ASSERT_TRUE(v->Verify(old_token).ok());  // now cached
  ExpectUnauthenticated(v->Verify(new_token), "TOKEN_INVALID", "");

  // Rotation step 1: both keys.
  WriteAll(file, ReadAll(pki.jwt_public) + ReadAll(pki.jwt_ec_public));
  v->CheckKeyFiles();
  EXPECT_EQ(v->key_count(), 2u);
  EXPECT_TRUE(v->Verify(old_token).ok());
  EXPECT_TRUE(v->Verify(new_token).ok());
  // Step 2: the old key removed; its cached token stops working at once.
  WriteAll(file, ReadAll(pki.jwt_ec_public));
  v->CheckKeyFiles();
  ExpectUnauthenticated(v->Verify(old_token), "TOKEN_INVALID", "");
  EXPECT_TRUE(v->Verify(new_token).ok());
  // A broken file (mid-write, wrong content) keeps the keys that work.
  WriteAll(file, "-----BEGIN PUBLIC KEY-----\ngarbage\n");
  v->CheckKeyFiles();
  EXPECT_TRUE(v->Verify(new_token).ok());
  EXPECT_EQ(v->key_count(), 1u);
}

// Tokens and a JWKS made by another implementation (Node's crypto), as an OIDC provider would
// publish them: kid selection, ES256 in JOSE form, RS256, audience in a list.
TEST(TokenVerifierTest, IndependentIssuersJwksAndTokensVerify) {
  const auto& pki = SharedPki();
  std::string dir = pki.scratch + "/oidc";
  std::string out, err;
  ASSERT_EQ(hotdesk::testing::RunCommand({"mkdir", "-p", dir}, &out), 0);
  ASSERT_EQ(hotdesk::testing::RunCommand({"node", OIDC_TOKENS_JS, dir}, &out, &err), 0) << err;
  std::vector<std::string> tokens = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(tokens.size(), 2u);
  VerifierOptions o;
  o.audience = "hotdesk";
  o.issuer = "https://idp.example";
  auto v = MakeVerifier({dir + "/jwks.json"}, o);
  for (const auto& t : tokens) {
    auto c = v->VerifyUncached(t);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ((*c)->role, Role::kOperator);
    EXPECT_EQ((*c)->principal, "sub:alice");
  }
  // The same tokens against our own keys: unknown key id.
  auto ours = MakeVerifier({pki.jwt_public, pki.jwt_ec_public});
  for (const auto& t : tokens) ExpectUnauthenticated(ours->Verify(t), "TOKEN_INVALID", t);
}

TEST(TokenVerifierTest, JwksKidPicksTheKey) {
  const auto& pki = SharedPki();
  std::string file = pki.scratch + "/kid.jwks";
  WriteAll(file, "{\"keys\":[" + PemToJwk(pki.jwt_public, "k-old") + "," +
                     PemToJwk(pki.jwt_ec_public, "k-new") + "]}");
  auto v = MakeVerifier({file});
  TokenClaims c = Claims({"a"}, "viewer");
  c.kid = "k-old";
  EXPECT_TRUE(v->Verify(pki.Token(c)).ok());
  c.kid = "k-new";  // RS256 under the EC key's id
  ExpectUnauthenticated(v->Verify(pki.Token(c)), "TOKEN_INVALID", "");
  c.kid = "k-gone";
  auto r = v->Verify(pki.Token(c));
  ExpectUnauthenticated(r, "TOKEN_INVALID", "");
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("unknown key id"));
}

// What a call pays for authentication, with and without the cache (printed for the report).
TEST(TokenVerifierTest, CostPerCallCachedAndUncached) {
  const auto& pki = SharedPki();
  auto v = MakeVerifier({pki.jwt_public, pki.jwt_ec_public});
  std::string rs = pki.Token(Claims({"acme"}, "agent"));
  std::string es = pki.Token(Claims({"acme"}, "agent"), pki.jwt_ec_private);
  auto per_call_us = [](int n, const std::function<void()>& f) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) f();
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
               .count() / n;
  };
  double rs_uncached = per_call_us(300, [&] { ASSERT_TRUE(v->VerifyUncached(rs).ok()); });
  double es_uncached = per_call_us(300, [&] { ASSERT_TRUE(v->VerifyUncached(es).ok()); });
  double cached = per_call_us(20000, [&] { ASSERT_TRUE(v->Verify(rs).ok()); });
  std::printf("token verification per call: RS256 uncached %.1f us, ES256 uncached %.1f us, "
              "cached %.2f us\n", rs_uncached, es_uncached, cached);
  RecordProperty("rs256_uncached_us", std::to_string(rs_uncached));
  RecordProperty("es256_uncached_us", std::to_string(es_uncached));
  RecordProperty("cached_us", std::to_string(cached));
  EXPECT_LT(cached * 5, rs_uncached);
}

}  // namespace
}  // namespace hotdesk::auth
