// Who may talk to hotdesk-csta, and how much: --allow_networks closes other clients before any
// frame is read, --trusted_networks alone may log in without a verified PIN or use the private
// services, --max_frames_per_second answers a flood with resourceBusy. 127.0.0.2 plays the
// "other network" (every 127/8 address is local on Linux). Real redis-server, hotdesk-server and
// hotdesk-csta processes, real sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
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
using hotdesk::testing::WaitUntil;
using ::testing::HasSubstr;
using testing::Client;

constexpr absl::Duration kWait = absl::Seconds(10);

class CstaAccess : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start());
    ASSERT_TRUE(core_.Start(redis_.addr()));
  }
  void TearDown() override {
    if (gateway_) gateway_->Stop();
    core_.Stop();
  }

  // Listens on every local address, so that 127.0.0.2 reaches it too.
  int StartGateway(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {HOTDESK_CSTA_BIN, "--listen=0.0.0.0:0",
                                     "--server=" + core_.addr(),
                                     "--metrics_listen=127.0.0.1:" + std::to_string(metrics_port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    gateway_ = std::make_unique<ChildProcess>();
    if (!gateway_->Start(argv)) return -1;
    std::string line = gateway_->WaitForLine("listening on port", absl::Seconds(20));
    if (line.empty()) return -1;
    return std::atoi(line.substr(line.rfind(' ') + 1).c_str());
  }

  std::string HostOf(const std::string& guest) {
    return redis_.Cmd({"HGET", "hotdesk:{default}:by-guest", guest});
  }
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
  void CreateGuestWithPin(const std::string& id, const std::string& pin) {
    v1::CreateGuestRequest req;
    req.set_tenant("default");
    req.mutable_guest()->set_id(id);
    req.mutable_guest()->set_hotdesking_enabled(true);
    req.set_pin(pin);
    v1::Guest g;
    grpc::ClientContext ctx;
    grpc::Status st = v1::Guests::NewStub(core_.Channel())->CreateGuest(&ctx, req, &g);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  RedisServer redis_;
  HotdeskServerProcess core_;
  std::unique_ptr<ChildProcess> gateway_;
  int metrics_port_ = FreePort();
};

// Connects from `source` to the gateway; the bytes received until the gateway closes, or
// "(open)" when it is still open after `wait`.
std::string ReceiveUntilClosed(const std::string& source, int port, absl::Duration wait) {
  int fd = hotdesk::testing::ConnectFrom(source, port);
  if (fd < 0) return "(cannot connect)";
  // A frame that would log someone in, sent at once: it must never be parsed.
  std::string body =
      "<SetAgentState xmlns=\"http://www.ecma-international.org/standards/ecma-323/csta/ed3\">"
      "<device>7002</device><requestedAgentState>loggedOn</requestedAgentState>"
      "<agentID>7003</agentID></SetAgentState>";
  std::string frame = std::string(1, '\0') + std::string(1, '\0') +
                      std::string(1, static_cast<char>((body.size() + 8) >> 8)) +
                      std::string(1, static_cast<char>((body.size() + 8) & 0xff)) + "0001" + body;
  (void)::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL);
  timeval tv{static_cast<time_t>(absl::ToInt64Seconds(wait)), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return got + "(open)";
  return got;
}

TEST_F(CstaAccess, ClientsOutsideTheAllowedNetworksAreClosedUnread) {
  int port = StartGateway({"--allow_networks=127.0.0.1/32", "--trusted_networks=127.0.0.0/8",
                           "--check_password=false"});
  ASSERT_GT(port, 0);
  // 127.0.0.2 is closed at once: no SystemStatus, no answer, and its login never happens.
  EXPECT_EQ(ReceiveUntilClosed("127.0.0.2", port, absl::Seconds(5)), "");
  EXPECT_EQ(HostOf("7003"), "(nil)");
  std::string m = WaitMetric("hotdesk_csta_connections_total{result=\"rejected_network\"} 1");
  EXPECT_THAT(m, HasSubstr("hotdesk_csta_connections_total{result=\"rejected_network\"} 1"));
  EXPECT_THAT(gateway_->Stderr(), HasSubstr("not in --allow_networks"));

  // 127.0.0.1 is served as before.
  Client ok;
  ok.set_source_address("127.0.0.1");
  ASSERT_TRUE(ok.Connect(port));
  auto r = ok.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "SetAgentStateResponse") << r->xml;
  EXPECT_EQ(HostOf("7003"), "7002");
}

TEST_F(CstaAccess, BadNetworkListsStopTheStart) {
  std::string out, err;
  int rc = hotdesk::testing::RunCommand(
      {HOTDESK_CSTA_BIN, "--listen=127.0.0.1:0", "--allow_networks=10.0.0.7/8"}, &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("--allow_networks: \"10.0.0.7/8\""));
  rc = hotdesk::testing::RunCommand(
      {HOTDESK_CSTA_BIN, "--listen=127.0.0.1:0", "--trusted_networks=nonsense"}, &out, &err);
  EXPECT_EQ(rc, 2);
  EXPECT_THAT(err, HasSubstr("--trusted_networks: \"nonsense\""));
}

TEST_F(CstaAccess, OnlyTrustedConnectionsLogInWithoutAPinOrUsePrivateServices) {
  CreateGuestWithPin("7005", "4711");
  int port = StartGateway({"--trusted_networks=127.0.0.2/32"});
  ASSERT_GT(port, 0);
  Client untrusted;
  untrusted.set_source_address("127.0.0.1");
  ASSERT_TRUE(untrusted.Connect(port));
  // A guest unknown to the registry (no PIN to verify) and no password: refused here.
  auto r = untrusted.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "CSTAErrorCode") << r->xml;
  EXPECT_EQ(r->Field("operation"), "invalidAgentPassword") << r->xml;
  // A password for a guest the registry does not know verifies nothing either.
  r = untrusted.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003", "1234"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->Field("operation"), "invalidAgentPassword") << r->xml;
  // Initiate hot-desking makes an association without any PIN: refused, saying why.
  r = untrusted.Request(testing::EscapeServiceXml(1, "7003", "7002"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "CSTAErrorCode") << r->xml;
  EXPECT_THAT(r->Field("privateErrorCode"), HasSubstr("trusted")) << r->xml;
  EXPECT_EQ(HostOf("7003"), "(nil)");
  EXPECT_EQ(redis_.Cmd({"XLEN", "hotdesk:{default}:ev"}), "0");
  // With the guest's PIN an untrusted client logs in as before.
  r = untrusted.Request(testing::SetAgentStateXml("7004", "loggedOn", "7005", "4711"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "SetAgentStateResponse") << r->xml;
  EXPECT_EQ(HostOf("7005"), "7004");

  Client trusted;
  trusted.set_source_address("127.0.0.2");
  ASSERT_TRUE(trusted.Connect(port));
  r = trusted.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "SetAgentStateResponse") << r->xml;
  EXPECT_EQ(HostOf("7003"), "7002");
  r = trusted.Request(testing::EscapeServiceXml(1, "7007", "7006"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "EscapeServiceResponse") << r->xml;
  EXPECT_EQ(HostOf("7007"), "7006");
  EXPECT_THAT(gateway_->Stderr(), HasSubstr("needs a trusted connection"));
}

TEST_F(CstaAccess, AFloodIsAnsweredResourceBusy) {
  int port = StartGateway({"--max_frames_per_second=5", "--max_frame_burst=5",
                           "--status_on_connect=false", "--heartbeat_interval=0"});
  ASSERT_GT(port, 0);
  Client c;
  ASSERT_TRUE(c.Connect(port));
  // Twenty requests in one write: the first five are served, the rest refused.
  std::string burst;
  const std::string ns = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";
  for (int i = 1; i <= 20; ++i) {
    std::string body = absl::StrCat("<RequestSystemStatus xmlns=\"", ns, "\"/>");
    char head[9];
    std::snprintf(head, sizeof head, "%c%c%c%c%04d", 0, 0, static_cast<int>((body.size() + 8) >> 8),
                  static_cast<int>((body.size() + 8) & 0xff), i);
    burst += std::string(head, 8) + body;
  }
  ASSERT_TRUE(c.SendRaw(burst));
  int served = 0, busy = 0;
  for (int i = 1; i <= 20; ++i) {
    auto m = c.WaitForInvoke(i, kWait);
    ASSERT_TRUE(m.has_value()) << "no answer to " << i;
    if (m->name == "RequestSystemStatusResponse") ++served;
    if (m->name == "CSTAErrorCode" && m->Field("systemResourceAvailability") == "resourceBusy")
      ++busy;
  }
  EXPECT_GE(served, 5);
  EXPECT_LE(served, 6);  // at most one more token refilled while the burst was read
  EXPECT_EQ(served + busy, 20);
  std::string sample =
      absl::StrCat("hotdesk_csta_protocol_errors_total{kind=\"rate_limited\"} ", busy);
  EXPECT_THAT(WaitMetric(sample), HasSubstr(sample));
  // Logged once for the burst, not once per frame.
  std::string err = gateway_->Stderr();
  size_t logged = 0;
  for (size_t at = err.find("max_frames_per_second"); at != std::string::npos;
       at = err.find("max_frames_per_second", at + 1))
    ++logged;
  EXPECT_EQ(logged, 1u) << err;
  // The client slows down: served again.
  EXPECT_TRUE(WaitUntil(
      [&] {
        auto m = c.Request(absl::StrCat("<RequestSystemStatus xmlns=\"", ns, "\"/>"));
        return m && m->name == "RequestSystemStatusResponse";
      },
      kWait));
}

TEST_F(CstaAccess, WithAClientCaOnlyClientsWithItsCertificatesAreServed) {
  const auto& pki = hotdesk::testing::SharedPki();
  int port = StartGateway({"--tls_cert=" + pki.server_cert, "--tls_key=" + pki.server_key,
                           "--tls_client_ca=" + pki.ca_cert, "--trusted_networks=127.0.0.0/8",
                           "--check_password=false"});
  ASSERT_GT(port, 0);
  EXPECT_THAT(gateway_->Stderr(), HasSubstr("tls=mtls"));
  // No certificate, or one from a CA the gateway does not trust: the handshake fails (with TLS
  // 1.3 the client may only learn it at its first read), nothing is served, nothing changes.
  auto refused = [&](Client& c) {
    if (!c.Connect(port, /*tls=*/true)) return true;
    auto r = c.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"), absl::Seconds(5));
    return !r.has_value();
  };
  Client none;
  EXPECT_TRUE(refused(none));
  Client stranger;
  stranger.set_client_certificate(pki.other_client_cert, pki.other_client_key);
  EXPECT_TRUE(refused(stranger));
  EXPECT_EQ(HostOf("7003"), "(nil)");
  std::string sample = "hotdesk_csta_connections_total{result=\"tls_failed\"} 2";
  EXPECT_THAT(WaitMetric(sample), HasSubstr(sample));

  Client known;
  known.set_client_certificate(pki.client_cert, pki.client_key);
  ASSERT_TRUE(known.Connect(port, /*tls=*/true));
  auto r = known.Request(testing::SetAgentStateXml("7002", "loggedOn", "7003"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->name, "SetAgentStateResponse") << r->xml;
  EXPECT_EQ(HostOf("7003"), "7002");

  std::string out, err;
  EXPECT_EQ(hotdesk::testing::RunCommand(
                {HOTDESK_CSTA_BIN, "--listen=127.0.0.1:0", "--tls_client_ca=" + pki.ca_cert}, &out,
                &err),
            1);
  EXPECT_THAT(err, HasSubstr("--tls_client_ca needs --tls_cert"));
}

}  // namespace
}  // namespace hotdesk::csta
