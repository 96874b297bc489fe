// hotdesk-xsp-sim: a BroadWorks XSP simulator (Xsi-Actions + Xsi-Events channel) for tests and
// demos. Flags have HOTDESK_* environment equivalents (e.g. HOTDESK_PASSWORD).
#include <csignal>
#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "adapters/xsp/sim/sim_server.h"
#include "services/common/env_flags.h"
#include "services/common/host_port.h"
#include "services/common/log.h"
#include "services/common/process.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:8080", "listen address host:port (port 0 = any)");
ABSL_FLAG(std::string, user, "admin", "Basic auth user the simulator accepts");
ABSL_FLAG(std::string, password, "secret", "Basic auth password (prefer HOTDESK_PASSWORD)");
ABSL_FLAG(std::string, domain, "", "when set, only user ids ending in @<domain> exist");
ABSL_FLAG(std::string, users, "", "comma list of users that exist from the start");
ABSL_FLAG(bool, auto_users, true, "create unknown users on first use");
ABSL_FLAG(std::string, group, "group1", "group id of which every user is a member");
ABSL_FLAG(int, max_expires, 3600, "longest channel/subscription expiry granted (seconds)");
ABSL_FLAG(absl::Duration, event_timeout, absl::Seconds(30),
          "a channel without heartbeat for this long is torn down");
ABSL_FLAG(std::string, state_file, "",
          "keep the users' services in this file, loaded at start (a restart then loses only "
          "channels, subscriptions and undelivered events, as a restarted XSP node does)");

namespace {
hotdesk::xsp::sim::SimServer* g_server = nullptr;
void OnSignal(int) {
  if (g_server != nullptr) g_server->Stop();
}
}  // namespace

int main(int argc, char** argv) {
  hotdesk::InitProgram(argc, argv,
                       "hotdesk-xsp-sim: BroadWorks XSP simulator (Xsi-Actions, Xsi-Events)");

  hotdesk::xsp::sim::SimConfig config;
  config.user = absl::GetFlag(FLAGS_user);
  config.password = absl::GetFlag(FLAGS_password);
  config.domain = absl::GetFlag(FLAGS_domain);
  for (absl::string_view u : absl::StrSplit(absl::GetFlag(FLAGS_users), ',', absl::SkipEmpty())) {
    config.users.emplace_back(u);
  }
  config.auto_users = absl::GetFlag(FLAGS_auto_users);
  config.group = absl::GetFlag(FLAGS_group);
  config.max_expires = absl::GetFlag(FLAGS_max_expires);
  config.event_timeout = absl::GetFlag(FLAGS_event_timeout);
  config.state_file = absl::GetFlag(FLAGS_state_file);

  std::string listen = absl::GetFlag(FLAGS_listen);
  auto hp = hotdesk::SplitHostPort(listen, /*allow_port_zero=*/true);
  if (!hp.ok()) {
    std::fprintf(stderr, "--listen: %s\n", std::string(hp.status().message()).c_str());
    return 2;
  }
  hotdesk::xsp::sim::SimServer server(config);
  if (absl::Status s = server.state().LoadState(); !s.ok()) {
    std::fprintf(stderr, "--state_file: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  int bound = server.Bind(hp->host, hp->port);
  if (bound <= 0) {
    std::fprintf(stderr, "--listen: cannot bind %s\n", listen.c_str());
    return 1;
  }
  g_server = &server;
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::printf("listening on port %d\n", bound);
  std::fflush(stdout);
  HD_LOG(kInfo, "xsp simulator started").kv("port", bound).kv("user", config.user);
  server.Serve();
  HD_LOG(kInfo, "xsp simulator stopped");
  return 0;
}
