// The adapters' core-channel flags: bad combinations and unreadable files are refused, naming the
// adapter's own flag (not hotdeskctl's).
#include "adapters/common/core_flags.h"

#include <gtest/gtest.h>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "tests/support/pki.h"

ABSL_DECLARE_FLAG(std::string, core_token_file);
ABSL_DECLARE_FLAG(std::string, core_token);
ABSL_DECLARE_FLAG(bool, core_tls);
ABSL_DECLARE_FLAG(std::string, core_tls_ca);
ABSL_DECLARE_FLAG(std::string, core_tls_cert);
ABSL_DECLARE_FLAG(std::string, core_tls_key);

namespace hotdesk::adapters {
namespace {

class CoreFlags : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;  // each test starts from the defaults
};

std::string Error(const absl::StatusOr<auth::ClientAuthOptions>& o) {
  EXPECT_FALSE(o.ok());
  if (!o.ok()) {
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
  }
  return o.ok() ? "" : std::string(o.status().message());
}

TEST_F(CoreFlags, DefaultsArePlaintextWithoutToken) {
  auto o = CoreAuthFromFlags();
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->tls.enabled);
  EXPECT_TRUE(o->token.empty());
  EXPECT_TRUE(o->token_file.empty());
  EXPECT_FALSE(CoreTokenFlagsGiven());
}

TEST_F(CoreFlags, TokenFileAndTlsFilesAreTaken) {
  const auto& pki = hotdesk::testing::SharedPki();
  absl::SetFlag(&FLAGS_core_token_file, pki.jwt_public);  // any readable file
  absl::SetFlag(&FLAGS_core_tls_ca, pki.ca_cert);
  absl::SetFlag(&FLAGS_core_tls_cert, pki.client_cert);
  absl::SetFlag(&FLAGS_core_tls_key, pki.client_key);
  auto o = CoreAuthFromFlags();
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->tls.enabled);  // implied by the CA
  EXPECT_EQ(o->token_file, pki.jwt_public);
  EXPECT_TRUE(CoreTokenFlagsGiven());
}

TEST_F(CoreFlags, BadCombinationsNameTheFlags) {
  absl::SetFlag(&FLAGS_core_token, "a.b.c");
  absl::SetFlag(&FLAGS_core_token_file, "/etc/hostname");
  EXPECT_NE(Error(CoreAuthFromFlags()).find("--core_token_file"), std::string::npos);

  absl::SetFlag(&FLAGS_core_token, "");
  absl::SetFlag(&FLAGS_core_token_file, "/nonexistent/token");
  std::string e = Error(CoreAuthFromFlags());
  EXPECT_NE(e.find("--core_token_file"), std::string::npos) << e;
  EXPECT_NE(e.find("/nonexistent/token"), std::string::npos) << e;

  absl::SetFlag(&FLAGS_core_token_file, "");
  absl::SetFlag(&FLAGS_core_tls_cert, hotdesk::testing::SharedPki().client_cert);
  e = Error(CoreAuthFromFlags());
  EXPECT_NE(e.find("--core_tls_key"), std::string::npos) << e;
  EXPECT_EQ(e.find("--tls_key"), std::string::npos) << e;

  absl::SetFlag(&FLAGS_core_tls_cert, "");
  absl::SetFlag(&FLAGS_core_tls_ca, "/nonexistent/ca.pem");
  e = Error(CoreAuthFromFlags());
  EXPECT_NE(e.find("--core_tls_ca"), std::string::npos) << e;

  absl::SetFlag(&FLAGS_core_tls_ca, "");
  absl::SetFlag(&FLAGS_core_tls_key, "/etc/hostname");
  EXPECT_NE(Error(CoreAuthFromFlags()).find("--core_tls_key"), std::string::npos);
}

}  // namespace
}  // namespace hotdesk::adapters
