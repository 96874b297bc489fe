// Loading verification keys: PEM public keys and certificates, JWKS (RSA and EC), and the
// refusals that keep a misconfiguration from starting.
#include "services/auth/key_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/auth/jwk_helpers.h"
#include "tests/support/pki.h"
#include "tests/support/processes.h"

namespace hotdesk::auth {
namespace {

using ::testing::HasSubstr;
using hotdesk::testing::SharedPki;
using testing::PemToJwk;
using testing::ReadAll;

TEST(KeySetTest, PemPublicKeysRsaAndEcWithTheirAlgorithms) {
  const auto& pki = SharedPki();
  auto rsa = LoadVerificationKeys(pki.jwt_public);
  ASSERT_TRUE(rsa.ok()) << rsa.status();
  ASSERT_EQ(rsa->size(), 1u);
  EXPECT_EQ((*rsa)[0].type, VerificationKey::Type::kRsa);
  EXPECT_THAT((*rsa)[0].algs, ::testing::ElementsAre("RS256", "RS384", "RS512"));
  auto ec = LoadVerificationKeys(pki.jwt_ec_public);
  ASSERT_TRUE(ec.ok()) << ec.status();
  EXPECT_THAT((*ec)[0].algs, ::testing::ElementsAre("ES256"));
}

TEST(KeySetTest, SeveralKeysInOnePemFileDuringARotation) {
  const auto& pki = SharedPki();
  auto keys = ParseVerificationKeys(ReadAll(pki.jwt_public) + ReadAll(pki.jwt_ec_public), "both");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 2u);
}

TEST(KeySetTest, CertificateGivesItsPublicKey) {
  auto keys = LoadVerificationKeys(SharedPki().server_cert);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys)[0].type, VerificationKey::Type::kEc);
}

TEST(KeySetTest, PrivateKeyIsRefusedNamingTheFile) {
  auto keys = LoadVerificationKeys(SharedPki().jwt_private);
  ASSERT_FALSE(keys.ok());
  EXPECT_THAT(std::string(keys.status().message()), HasSubstr("private key"));
  EXPECT_THAT(std::string(keys.status().message()), HasSubstr(SharedPki().jwt_private));
}

TEST(KeySetTest, ShortRsaKeyAndGarbageAndMissingFileAreRefused) {
  std::string out;
  std::string dir = SharedPki().scratch;
  ASSERT_EQ(hotdesk::testing::RunCommand(
                {"bash", "-c",
                 "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 2>/dev/null | "
                 "openssl pkey -pubout -out " + dir + "/short.pub"},
                &out),
            0);
  auto s = LoadVerificationKeys(dir + "/short.pub");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("2048"));
  EXPECT_FALSE(ParseVerificationKeys("hello", "x").ok());
  EXPECT_FALSE(ParseVerificationKeys("{\"nokeys\":1}", "x").ok());
  EXPECT_EQ(LoadVerificationKeys(dir + "/absent.pem").status().code(), absl::StatusCode::kNotFound);
}

TEST(KeySetTest, JwksRsaAndEcWithKidsBecomePemKeys) {
  const auto& pki = SharedPki();
  std::string jwks = "{\"keys\":[" + PemToJwk(pki.jwt_public, "r1", "RS256") + "," +
                     PemToJwk(pki.jwt_ec_public, "e1") + "]}";
  auto keys = ParseVerificationKeys(jwks, "jwks");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "r1");
  EXPECT_THAT((*keys)[0].algs, ::testing::ElementsAre("RS256"));
  EXPECT_EQ((*keys)[1].kid, "e1");
  EXPECT_THAT((*keys)[1].algs, ::testing::ElementsAre("ES256"));
  // The same key as the PEM file, byte for byte once re-encoded.
  EXPECT_EQ((*keys)[0].pem, ReadAll(pki.jwt_public));
}

TEST(KeySetTest, JwksRefusesMismatchedAlgPrivateKeysAndBadPoints) {
  const auto& pki = SharedPki();
  auto mismatch =
      ParseVerificationKeys("{\"keys\":[" + PemToJwk(pki.jwt_public, "r", "ES256") + "]}", "j");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(std::string(mismatch.status().message()), HasSubstr("does not fit"));
  EXPECT_FALSE(ParseVerificationKeys(
                   R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","d":"AAAA"}]})", "j")
                   .ok());
  auto off_curve = ParseVerificationKeys(
      R"({"keys":[{"kty":"EC","crv":"P-256","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]})",
      "j");
  EXPECT_FALSE(off_curve.ok());
  // Encryption keys are skipped; a set with nothing else is refused.
  EXPECT_FALSE(ParseVerificationKeys(
                   R"({"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]})", "j")
                   .ok());
  // Wrong JSON types are errors, not crashes.
  EXPECT_FALSE(ParseVerificationKeys(R"({"keys":[{"kty":7,"use":[1]}]})", "j").ok());
  EXPECT_FALSE(ParseVerificationKeys(R"({"keys":{}})", "j").ok());
}

TEST(KeySetTest, SigningAlgorithmFollowsThePrivateKey) {
  const auto& pki = SharedPki();
  EXPECT_EQ(*SigningAlgorithmOf(ReadAll(pki.jwt_private)), "RS256");
  EXPECT_EQ(*SigningAlgorithmOf(ReadAll(pki.jwt_ec_private)), "ES256");
  EXPECT_FALSE(SigningAlgorithmOf(ReadAll(pki.jwt_public)).ok());
}

}  // namespace
}  // namespace hotdesk::auth
