// hotdesk-csta authenticating to a hotdesk-server that checks tokens (--auth_keys, TLS, no
// --insecure_no_auth): a login through a gateway whose token grants its tenant and source CSTA
// lands as CSTA; a gateway with another tenant's token, another source's token or none is
// refused (UNAUTHENTICATED / PERMISSION_DENIED in its metrics and log) and Redis is unchanged.
#include <unistd.h>

#include <fstream>
#include <memory>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "hotdesk/v1/associations.grpc.pb.h"
#include "hotdesk/v1/guests.grpc.pb.h"
#include "tests/csta/csta_test_client.h"
#include "tests/support/pki.h"
#include "tests/support/processes.h"

namespace hotdesk::csta {
namespace {

using hotdesk::testing::ChildProcess;
using hotdesk::testing::FreePort;
using hotdesk::testing::HotdeskServerProcess;
using hotdesk::testing::HttpGet;
using hotdesk::testing::RedisServer;
using hotdesk::testing::SharedPki;
using hotdesk::testing::TestPki;
using hotdesk::testing::WaitUntil;
using ::testing::HasSubstr;
using testing::Client;

constexpr absl::Duration kWait = absl::Seconds(10);

class CstaCoreAuth : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    ASSERT_TRUE(core_.StartSecure(redis_.addr(), pki_));
    // The directory as an administrator sets it up: guest 7003 with a PIN.
    auto stub = v1::Guests::NewStub(core_.SecureChannel(pki_.Token("default", "admin")));
    v1::CreateGuestRequest req;
    req.set_tenant("default");
    req.mutable_guest()->set_id("7003");
    req.mutable_guest()->set_hotdesking_enabled(true);
    req.set_pin("4711");
    v1::Guest g;
    grpc::ClientContext ctx;
    grpc::Status st = stub->CreateGuest(&ctx, req, &g);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  void TearDown() override {
    if (gateway_) gateway_->Stop();
    core_.Stop();
  }

  // Starts the gateway with `token` in a token file (none when empty); returns its CSTA port.
  int StartGateway(const std::string& token) {
    std::vector<std::string> argv = {HOTDESK_CSTA_BIN, "--listen=127.0.0.1:0",
                                     "--server=" + core_.addr(), "--core_tls_ca=" + pki_.ca_cert,
                                     "--metrics_listen=127.0.0.1:" + std::to_string(metrics_port_),
                                     "--rpc_retry_budget=1s"};
    if (!token.empty()) {
      std::string file = absl::StrCat(pki_.scratch, "/csta_token_", ::getpid(), "_", ++files_);
      std::ofstream(file) << token << "\n";
      argv.push_back("--core_token_file=" + file);
    }
    gateway_ = std::make_unique<ChildProcess>();
    if (!gateway_->Start(argv)) return -1;
    std::string line = gateway_->WaitForLine("listening on port", absl::Seconds(20));
    if (line.empty()) return -1;
    return std::atoi(line.substr(line.rfind(' ') + 1).c_str());
  }

  std::string HostOf(const std::string& guest) {
    return redis_.Cmd({"HGET", "hotdesk:{default}:by-guest", guest});
  }

  // Logs 7003 in at 7002 with its PIN; the gateway's answer.
  std::optional<testing::Message> Login(int port) {
    Client c;
    if (!c.Connect(port)) return std::nullopt;
    return c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003", "4711"));
  }

  // Waits until the gateway's /metrics shows `sample`; the last body.
  std::string WaitMetric(const std::string& sample) {
    std::string m;
    WaitUntil(
        [&] {
          m = HttpGet(metrics_port_, "/metrics");
          return m.find(sample) != std::string::npos;
        },
        kWait);
    return m;
  }

  // `watch_refused`: the token does not even let the gateway follow the tenant's events.
  void ExpectRefused(const std::string& token, const std::string& method, const std::string& code,
                     bool watch_refused = true) {
    int port = StartGateway(token);
    ASSERT_GT(port, 0);
    auto r = Login(port);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->name, "CSTAErrorCode") << r->xml;
    EXPECT_EQ(r->Field("security"), "unspecified") << r->xml;
    EXPECT_EQ(HostOf("7003"), "(nil)");
    EXPECT_EQ(redis_.Cmd({"XLEN", "hotdesk:{default}:ev"}), "0");
    std::string sample = absl::StrCat("hotdesk_csta_backend_calls_total{code=\"", code,
                                      "\",method=\"", method, "\"} 1");
    EXPECT_THAT(WaitMetric(sample), HasSubstr(sample));
    EXPECT_THAT(gateway_->Stderr(), HasSubstr("core refused the gateway's call"));
    // Its event stream is refused too, and it says so.
    if (watch_refused) {
      EXPECT_TRUE(WaitUntil(
          [&] { return gateway_->Stderr().find("event stream ended") != std::string::npos; },
          kWait))
          << gateway_->Stderr();
    }
    gateway_->Stop();
    gateway_.reset();
  }

  const TestPki& pki_ = SharedPki();
  RedisServer redis_;
  HotdeskServerProcess core_;
  std::unique_ptr<ChildProcess> gateway_;
  int metrics_port_ = FreePort();
  int files_ = 0;
};

TEST_F(CstaCoreAuth, LoginWithTheGatewaysTokenLandsAsCsta) {
  int port = StartGateway(pki_.Token("default", "agent", "CSTA"));
  ASSERT_GT(port, 0);
  auto r = Login(port);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "SetAgentStateResponse") << r->xml;
  EXPECT_EQ(HostOf("7003"), "7002");

  v1::GetAssociationRequest get;
  get.set_tenant("default");
  get.set_guest("7003");
  v1::Association a;
  grpc::ClientContext ctx;
  auto stub = v1::Associations::NewStub(core_.SecureChannel(pki_.Token("default", "viewer")));
  ASSERT_TRUE(stub->GetAssociation(&ctx, get, &a).ok());
  EXPECT_EQ(a.source(), v1::SOURCE_CSTA);
  std::string ok = "hotdesk_csta_backend_calls_total{code=\"OK\",method=\"Establish\"} 1";
  EXPECT_THAT(WaitMetric(ok), HasSubstr(ok));
  // The gateway follows the core's events with the same token.
  EXPECT_THAT(WaitMetric("hotdesk_csta_watch_connected 1"),
              HasSubstr("hotdesk_csta_watch_connected 1"));
  // Its token never reaches its logs.
  std::string token = pki_.Token("default", "agent", "CSTA");
  EXPECT_EQ(gateway_->Stderr().find(token.substr(token.rfind('.') + 1)), std::string::npos);
  EXPECT_THAT(gateway_->Stderr(), HasSubstr("token file"));
}

TEST_F(CstaCoreAuth, WithoutATokenTheCoreRefusesTheGateway) {
  ExpectRefused("", "VerifyPin", "Unauthenticated");
}

TEST_F(CstaCoreAuth, AnotherTenantsTokenIsRefused) {
  ExpectRefused(pki_.Token("other", "agent", "CSTA"), "VerifyPin", "PermissionDenied");
}

TEST_F(CstaCoreAuth, AnotherSourcesTokenCannotLogInAsCsta) {
  // The PIN check passes (an agent of this tenant), the change itself is refused: the gateway
  // may only act as the source its token names.
  ExpectRefused(pki_.Token("default", "agent", "XSP"), "Establish", "PermissionDenied",
                /*watch_refused=*/false);
}

TEST_F(CstaCoreAuth, AnExpiredTokenIsRefused) {
  auth::TokenClaims c;
  c.subject = "csta";
  c.tenants = {"default"};
  c.role = "agent";
  c.source = "CSTA";
  c.issued_at = absl::Now() - absl::Hours(2);
  c.ttl = absl::Hours(1);
  ExpectRefused(pki_.Token(c), "VerifyPin", "Unauthenticated");
}

}  // namespace
}  // namespace hotdesk::csta
