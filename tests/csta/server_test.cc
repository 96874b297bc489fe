// CstaServer in-process: every client thread ends with the server, promptly, whatever it was
// doing (a TLS handshake, a call to a core that does not answer).
#include "adapters/csta/server.h"

#include <dirent.h>
#include <unistd.h>

#include <csignal>
#include <fstream>

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "tests/csta/csta_test_client.h"
#include "tests/support/processes.h"

namespace hotdesk::csta {
namespace {

using hotdesk::testing::FreePort;
using hotdesk::testing::RunCommand;

// Threads of this process serving CSTA clients (they are named so).
int ClientThreads() {
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string comm;
    std::getline(in, comm);
    n += comm == "csta-client";
  }
  closedir(d);
  return n;
}

bool WaitClientThreads(int n) {
  absl::Time end = absl::Now() + absl::Seconds(10);
  while (absl::Now() < end) {
    if (ClientThreads() == n) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

// As in hotdesk-csta's main: a write to a socket the peer closed is an error, not a signal.
class IgnoreSigpipe : public ::testing::Environment {
 public:
  void SetUp() override { signal(SIGPIPE, SIG_IGN); }
};
const auto* const kIgnoreSigpipe = ::testing::AddGlobalTestEnvironment(new IgnoreSigpipe);

GatewayConfig Config() {
  GatewayConfig c;
  c.listen = "127.0.0.1:0";
  c.server = "127.0.0.1:" + std::to_string(FreePort());  // a core that is not there
  c.metrics_listen = "";
  c.default_namespace = "http://www.ecma-international.org/standards/ecma-323/csta/ed3";
  c.rpc_timeout = absl::Seconds(30);
  c.rpc_retry_budget = absl::Seconds(60);
  return c;
}

TEST(CstaServerShutdown, EndsAClientInItsTlsHandshake) {
  std::string dir = ::testing::TempDir() + "/csta_server_tls_" + std::to_string(getpid());
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  std::string out;
  ASSERT_EQ(
      RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                  "/CN=localhost", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"},
                 &out),
      0)
      << out;
  GatewayConfig c = Config();
  c.tls_cert = dir + "/cert.pem";
  c.tls_key = dir + "/key.pem";
  {
    CstaServer server(c);
    ASSERT_TRUE(server.Start().ok());
    // Connected, and then silent: its thread waits in the TLS handshake (up to 10 s).
    testing::Client silent;
    ASSERT_TRUE(silent.Connect(server.port(), /*tls=*/false));
    ASSERT_TRUE(WaitClientThreads(1));
    absl::Time start = absl::Now();
    server.Shutdown();
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
    EXPECT_EQ(ClientThreads(), 0);  // joined, not left running past the server
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST(CstaServerShutdown, EndsAClientWaitingForTheCore) {
  CstaServer server(Config());
  ASSERT_TRUE(server.Start().ok());
  testing::Client c;
  ASSERT_TRUE(c.Connect(server.port()));
  // MonitorStart reads the device's association from a core that never answers (retried).
  ASSERT_TRUE(c.Send(1, testing::MonitorStartXml("7003")));
  ASSERT_TRUE(WaitClientThreads(1));
  EXPECT_FALSE(c.WaitForInvoke(1, absl::Milliseconds(300)).has_value());
  absl::Time start = absl::Now();
  server.Shutdown();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(ClientThreads(), 0);
  EXPECT_TRUE(c.WaitClosed(absl::Seconds(5)));
}

}  // namespace
}  // namespace hotdesk::csta
