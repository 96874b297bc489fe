// The XSP bridge and its simulated BroadWorks platform, as parts of the deployment.
#include <httplib.h>
#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/faults/deployment.h"

namespace hotdesk::faults {
namespace {
constexpr char kXspPassword[] = "fault-suite";
}  // namespace

absl::Status Deployment::StartXspPair() {
  if (config_.xsp_tenant.empty()) return absl::OkStatus();
  xsp_ = std::make_unique<Xsp>();
  xsp_->sim_port = testing::FreePort();
  do xsp_->ops_port = testing::FreePort();
  while (xsp_->ops_port == xsp_->sim_port);
  xsp_->state_file = testing::MakeTempDir() + "/platform.txt";
  if (absl::Status s = StartXspSim(); !s.ok()) return s;
  return StartXsp();
}

absl::Status Deployment::StartXspSim() {
  return StartGateway(xsp_->sim,
                      {HOTDESK_XSP_SIM_BIN, absl::StrCat("--listen=127.0.0.1:", xsp_->sim_port),
                       "--user=admin", "--domain=" + config_.xsp_domain,
                       "--state_file=" + xsp_->state_file, "--log_level=warn"},
                      "listening on port", {{"HOTDESK_PASSWORD", kXspPassword}});
}

void Deployment::KillXspSim() { xsp_->sim.Stop(SIGKILL); }

absl::Status Deployment::StartXsp() {
  std::string target = "ipv4:";
  for (int i = 0; i < replicas(); ++i) absl::StrAppend(&target, i ? "," : "", ReplicaAddr(i));
  std::vector<std::string> subscribe;
  for (int g = 0; g < config_.xsp_guests; ++g)
    subscribe.push_back(absl::StrCat("g", g, "@", config_.xsp_domain));
  std::vector<std::string> argv = {
      HOTDESK_XSP_BIN, "--tenant=" + config_.xsp_tenant, "--server=" + target,
      absl::StrCat("--xsp_url=http://127.0.0.1:", xsp_->sim_port), "--xsp_user=admin",
      "--user_domain=" + config_.xsp_domain, "--subscribe_users=" + absl::StrJoin(subscribe, ","),
      absl::StrCat("--metrics_listen=127.0.0.1:", xsp_->ops_port),
      "--key_prefix=" + config_.key_prefix,
      // A failed step is retried and parked quickly, so that the end of a run converges soon.
      "--step_timeout=2s", "--step_backoff=50ms", "--park_backoff=200ms", "--park_backoff_max=2s",
      // Info: a violation's example carries the last lines (sequences, platform changes).
      "--log_level=info"};
  if (topology_) {
    std::vector<std::string> redis_flags = topology_->ServerFlags();
    argv.insert(argv.end(), redis_flags.begin(), redis_flags.end());
  } else {
    argv.push_back("--redis_addr=" + redis_.addr());
  }
  return StartGateway(xsp_->bridge, argv, "listening on port",
                      {{"HOTDESK_XSP_PASSWORD", kXspPassword}});
}

void Deployment::KillXsp() { xsp_->bridge.Stop(SIGKILL); }

absl::Status Deployment::FailXspSim(int put_failures) {
  httplib::Client http("127.0.0.1", xsp_->sim_port);
  http.set_connection_timeout(1);
  http.set_read_timeout(3);
  auto fail = http.Post(absl::StrCat("/sim/faults?method=PUT&status=500&count=", put_failures), "",
                        "text/plain");
  auto drop = http.Post("/sim/faults?drop_channel=1", "", "text/plain");
  if (!fail || fail->status != 200 || !drop || drop->status != 200)
    return absl::UnavailableError("the simulator did not take its faults");
  return absl::OkStatus();
}

std::string Deployment::XspStatus() const {
  httplib::Client http("127.0.0.1", xsp_->ops_port);
  http.set_connection_timeout(1);
  http.set_read_timeout(3);
  auto res = http.Get("/status?limit=1");
  if (!res || res->status != 200) return "";
  return res->body;
}

bool Deployment::XspServing(std::string* why) const {
  std::string status = XspStatus();
  if (status.empty()) {
    *why = "GET /status did not answer 200";
    return false;
  }
  if (!absl::StrContains(status, "\"watching\":true")) {
    *why = "not following the core's events: " + status.substr(0, 300);
    return false;
  }
  if (!absl::StrContains(status, "\"up\":true")) {
    *why = "its event channel is not open: " + status.substr(0, 300);
    return false;
  }
  // Three event packages for each subscribed guest.
  const std::string subs = absl::StrCat("\"subscriptions\":", 3 * config_.xsp_guests, ",");
  if (!absl::StrContains(status, subs)) {
    *why = "not every subscription is made: " + status.substr(0, 300);
    return false;
  }
  return true;
}

std::string Deployment::XspLogTail(size_t lines) const { return LogTail(xsp_->bridge, lines); }
std::string Deployment::XspSimLogTail(size_t lines) const { return LogTail(xsp_->sim, lines); }

}  // namespace hotdesk::faults
