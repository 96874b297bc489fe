// The adapters' channel to the core against a real hotdesk-server with TLS, mTLS and bearer
// tokens: the token file is sent, a rotated file is used without a new channel, and the
// server's refusals reach the adapter as UNAUTHENTICATED / PERMISSION_DENIED.
#include "adapters/common/core_channel.h"

#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/session.grpc.pb.h"
#include "tests/support/pki.h"
#include "tests/support/processes.h"

namespace hotdesk::adapters {
namespace {

using hotdesk::testing::HotdeskServerProcess;
using hotdesk::testing::SharedPki;
using hotdesk::testing::TestPki;
using hotdesk::testing::WaitUntil;

void WriteFile(const std::string& path, const std::string& text) {
  // Write then rename, as a Kubernetes Secret update swaps the file.
  std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << text << "\n";
  ASSERT_EQ(::rename(tmp.c_str(), path.c_str()), 0);
}

grpc::Status WhoAmI(const std::shared_ptr<grpc::Channel>& channel, v1::WhoAmIResponse* who) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return v1::Session::NewStub(channel)->WhoAmI(&ctx, v1::WhoAmIRequest(), who);
}

std::string Token(const TestPki& pki, const std::string& subject, const std::string& tenant,
                  const std::string& role, const std::string& source) {
  auth::TokenClaims c;
  c.subject = subject;
  c.tenants = {tenant};
  c.role = role;
  c.source = source;
  return pki.Token(c);
}

class CoreChannel : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.StartSecure("", pki_, /*mtls=*/true));
    token_file_ = pki_.scratch + "/core_channel_token_" + std::to_string(::getpid());
  }
  void TearDown() override {
    server_.Stop();
    ::unlink(token_file_.c_str());
  }

  CoreChannelConfig Config() const {
    CoreChannelConfig c;
    c.address = server_.addr();
    c.auth.token_file = token_file_;
    c.auth.tls.enabled = true;
    c.auth.tls.ca_file = pki_.ca_cert;
    c.auth.tls.cert_file = pki_.client_cert;
    c.auth.tls.key_file = pki_.client_key;
    return c;
  }

  const TestPki& pki_ = SharedPki();
  HotdeskServerProcess server_;
  std::string token_file_;
};

TEST_F(CoreChannel, SendsTheTokenFileAndFollowsItsRotation) {
  WriteFile(token_file_, Token(pki_, "csta-a", "acme", "agent", "CSTA"));
  auto channel = CreateCoreChannel(Config());
  ASSERT_TRUE(channel.ok()) << channel.status();
  v1::WhoAmIResponse who;
  ASSERT_TRUE(WhoAmI(*channel, &who).ok());
  EXPECT_EQ(who.subject(), "csta-a");
  EXPECT_EQ(who.role(), "agent");
  EXPECT_EQ(who.source(), "CSTA");

  // The Secret is rotated: the same channel sends the new token once the file has changed.
  WriteFile(token_file_, Token(pki_, "csta-b", "acme", "agent", "CSTA"));
  EXPECT_TRUE(WaitUntil(
      [&] {
        v1::WhoAmIResponse w;
        return WhoAmI(*channel, &w).ok() && w.subject() == "csta-b";
      },
      absl::Seconds(10)));
}

TEST_F(CoreChannel, RefusalsReachTheAdapter) {
  // A token for another tenant: the call is refused, naming the tenant.
  WriteFile(token_file_, Token(pki_, "csta-a", "other", "agent", "CSTA"));
  auto channel = CreateCoreChannel(Config());
  ASSERT_TRUE(channel.ok()) << channel.status();
  v1::ListAssociationsRequest list;
  list.set_tenant("acme");
  v1::ListAssociationsResponse resp;
  grpc::ClientContext ctx;
  grpc::Status st = v1::Associations::NewStub(*channel)->ListAssociations(&ctx, list, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(st.error_message().find("acme"), std::string::npos) << st.error_message();

  // No token at all (an empty file, as a Secret not yet filled in): UNAUTHENTICATED.
  WriteFile(token_file_, "");
  auto empty = CreateCoreChannel(Config());
  ASSERT_TRUE(empty.ok()) << empty.status();
  v1::WhoAmIResponse who;
  EXPECT_EQ(WhoAmI(*empty, &who).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(CoreChannel, MissingFilesAreRefusedAtStart) {
  CoreChannelConfig c = Config();
  c.auth.token_file = pki_.scratch + "/no-such-token";
  auto channel = CreateCoreChannel(c);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(channel.status().message().find("no-such-token"), std::string::npos);
}

}  // namespace
}  // namespace hotdesk::adapters
