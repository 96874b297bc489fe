#include "tests/faults/xsp_platform.h"

#include <httplib.h>

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/faults/redis_history.h"

namespace hotdesk::faults {
namespace {

httplib::Client SimClient(const Deployment& d) {
  httplib::Client http("127.0.0.1", d.XspSimPort());
  http.set_connection_timeout(1);
  http.set_read_timeout(3);
  return http;
}

}  // namespace

XspPlatform::XspPlatform(XspPlatformConfig config, Deployment* deployment)
    : config_(std::move(config)), deployment_(deployment) {}

XspPlatform::~XspPlatform() { Stop(); }

void XspPlatform::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void XspPlatform::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::map<std::string, int64_t> XspPlatform::Answers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return answers_;
}

void XspPlatform::Run() {
  std::mt19937_64 rng(config_.seed * 7919u + 17u);
  const std::string at = "@" + deployment_->config().xsp_domain;
  while (!stop_) {
    uint64_t draw = rng();
    std::string host = absl::StrCat("h", draw % config_.hosts, at);
    draw /= config_.hosts;
    std::string guest = absl::StrCat("g", draw % config_.guests, at);
    draw /= config_.guests;
    int pick = static_cast<int>(draw % 100);
    // 50 % a portal login (replacing the host's guest, moving the guest), 25 % a force release
    // by the host's administrator, 25 % the guest logging out on the voice portal.
    std::string action, path;
    if (pick < 50) {
      action = "associate";
      path = absl::StrCat("/sim/hoteling?guest=", guest, "&host=", host);
    } else if (pick < 75) {
      action = "release";
      path = "/sim/release?host=" + host;
    } else {
      action = "logout";
      path = "/sim/logout?guest=" + guest;
    }
    httplib::Client http = SimClient(*deployment_);
    auto res = http.Post(path, "", "text/plain");
    std::string answer = res ? std::to_string(res->status) : "no answer";
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++answers_[action + " " + answer];
    }
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(config_.pause));
  }
}

std::vector<std::string> XspDifferences(const Deployment& deployment,
                                        const XspPlatformConfig& config,
                                        const TenantState& hotdesk) {
  std::vector<std::string> out;
  const std::string at = "@" + deployment.config().xsp_domain;
  httplib::Client http = SimClient(deployment);
  for (int g = 0; g < config.guests; ++g) {
    const std::string guest = absl::StrCat("g", g);
    auto it = hotdesk.by_guest.find(guest);
    const std::string in_hotdesk = it == hotdesk.by_guest.end() ? "none" : it->second;
    auto res = http.Get("/sim/users/" + guest + at);
    std::string on_platform;
    if (res && res->status == 404) {
      on_platform = "none";  // never used on the platform
    } else if (!res || res->status != 200) {
      out.push_back(absl::StrCat(guest, ": the platform did not answer"));
      continue;
    } else {
      const std::string kHost = "\"hostUserId\":\"";
      size_t p = res->body.find(kHost);
      if (p == std::string::npos) {
        on_platform = "none";
      } else {
        p += kHost.size();
        on_platform = res->body.substr(p, res->body.find('"', p) - p);
        if (absl::EndsWith(on_platform, at)) on_platform.resize(on_platform.size() - at.size());
      }
    }
    if (on_platform != in_hotdesk)
      out.push_back(absl::StrCat(guest, ": hotdesk ", in_hotdesk, ", platform ", on_platform));
  }
  return out;
}

std::string AwaitXspAgreement(Deployment& deployment, const XspPlatformConfig& config,
                              const std::string& key_prefix, absl::Duration timeout,
                              Violations* violations) {
  const absl::Time t0 = absl::Now();
  std::vector<std::string> differences;
  std::string status, why;
  int agreeing = 0;
  while (true) {
    why.clear();
    differences.clear();
    status = deployment.XspStatus();
    const std::string tail =
        LastStreamId(deployment.RedisFor(config.tenant), key_prefix, config.tenant).ToString();
    absl::StatusOr<TenantState> state =
        ReadState(deployment.RedisFor(config.tenant), key_prefix, config.tenant);
    if (status.empty()) {
      why = "the bridge's /status does not answer";
    } else if (!absl::StrContains(status, "\"pending\":[]")) {
      why = "the bridge has sequences pending";
    } else if (!absl::StrContains(status, absl::StrCat("\"cursor\":\"", tail, "\""))) {
      why = "the bridge has not taken in the last event " + tail;
    } else if (!state.ok()) {
      why = "cannot read hotdesk's state: " + std::string(state.status().message());
    } else {
      differences = XspDifferences(deployment, config, *state);
      if (!differences.empty()) why = "hotdesk and the platform differ";
    }
    agreeing = why.empty() ? agreeing + 1 : 0;
    if (agreeing == 2) break;
    if (absl::Now() - t0 > timeout) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const double took = absl::ToDoubleSeconds(absl::Now() - t0);
  if (agreeing == 2)
    return absl::StrFormat("hotdesk and the platform agree on every guest, %.1f s after the load",
                           took);
  std::string pending;
  if (size_t p = status.find("\"pending\":["); p != std::string::npos)
    pending = status.substr(p, 600);
  pending += "\n    bridge log:" + deployment.XspLogTail(60);
  if (differences.empty())
    violations->Add("xsp_diverged", absl::StrCat(why, " ", absl::FormatDuration(timeout),
                                                 " after the load; ", pending));
  for (const std::string& d : differences)
    violations->Add("xsp_diverged", absl::StrCat(d, " ", absl::FormatDuration(timeout),
                                                 " after the load (", why, "); ", pending));
  return absl::StrFormat("hotdesk and the platform did not agree within %.0f s", took);
}

}  // namespace hotdesk::faults
