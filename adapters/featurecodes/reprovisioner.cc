#include "adapters/featurecodes/reprovisioner.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "absl/time/clock.h"
#include "services/common/log.h"

extern char** environ;

namespace hotdesk::featurecodes {

Reprovisioner::Reprovisioner(CoreClient* core, const ProfileRenderer* renderer, Metrics* metrics,
                             std::string notify_command, absl::Duration notify_timeout)
    : core_(core),
      renderer_(renderer),
      metrics_(metrics),
      notify_command_(std::move(notify_command)),
      notify_timeout_(notify_timeout) {
  if (!notify_command_.empty()) hook_thread_ = std::thread([this] { HookLoop(); });
}

Reprovisioner::~Reprovisioner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (hook_thread_.joinable()) hook_thread_.join();
}

absl::StatusOr<std::pair<Profile, ProfileInput>> Reprovisioner::Build(const std::string& tenant,
                                                                      const v1::Device& device) {
  ProfileInput in;
  in.device = device;
  auto a = core_->GetAssociationByHost(tenant, device.hotdesk_extension());
  if (a.ok()) {
    in.idle = false;
    in.association = *a;
    auto g = core_->GetGuest(tenant, a->guest());
    if (g.ok())
      in.guest_name = g->display_name();
    else if (auto it = a->attributes().find("display_name"); it != a->attributes().end())
      in.guest_name = it->second;
  } else if (!absl::IsNotFound(a.status())) {
    return a.status();
  }
  auto p = renderer_->Render(in);
  if (!p.ok()) return p.status();
  return std::make_pair(*p, in);
}

absl::StatusOr<Profile> Reprovisioner::Current(const std::string& tenant, const std::string& mac) {
  auto d = core_->GetDeviceByMac(tenant, mac);
  if (!d.ok()) return d.status();
  auto built = Build(tenant, *d);
  if (!built.ok()) return built.status();
  return built->first;
}

void Reprovisioner::OnChange(const std::string& tenant, const std::string& host, bool prime) {
  auto d = core_->GetDeviceByExtension(tenant, host);
  if (!d.ok()) {
    if (!absl::IsNotFound(d.status()))
      HD_LOG(kWarn, "cannot read device")
          .kv("tenant", tenant)
          .kv("host", host)
          .kv("error", d.status().message());
    return;  // not a hot-desk phone (e.g. a CSTA host)
  }
  auto built = Build(tenant, *d);
  if (!built.ok()) {
    HD_LOG(kWarn, "cannot render profile")
        .kv("tenant", tenant)
        .kv("mac", d->mac())
        .kv("error", built.status().message());
    return;
  }
  const auto& [profile, in] = *built;
  std::string key = tenant + "/" + d->mac();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_.find(key);
    bool changed = it == last_.end() || it->second != profile.body;
    last_[key] = profile.body;
    if (prime || !changed) return;
  }
  std::string shown = in.idle ? d->hotdesk_extension() : in.association.guest();
  std::string state = in.idle ? "idle" : "guest";
  metrics_->reprovisions().Increment();
  HD_LOG(kInfo, "re-provision")
      .kv("tenant", tenant)
      .kv("mac", d->mac())
      .kv("hotdesk_extension", d->hotdesk_extension())
      .kv("shows", shown)
      .kv("state", state)
      .kv("method", d->provisioning() == v1::PROVISIONING_METHOD_RPS ? "rps" : "pnp");
  if (notify_command_.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hooks_.push_back({d->mac(), shown, state, tenant});
  }
  cv_.notify_one();
}

void Reprovisioner::HookLoop() {
  while (true) {
    Notice n;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !hooks_.empty(); });
      if (hooks_.empty()) return;
      n = std::move(hooks_.front());
      hooks_.pop_front();
    }
    RunHook(n);
  }
}

void Reprovisioner::RunHook(const Notice& n) {
  // Arguments go straight to the program (no shell), so their content cannot be interpreted.
  std::vector<std::string> args = {notify_command_, n.mac, n.shown, n.state, n.tenant};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, notify_command_.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) {
    metrics_->notify_failures().Increment();
    HD_LOG(kWarn, "notify command failed to start").kv("command", notify_command_).kv("errno", rc);
    return;
  }
  absl::Time deadline = absl::Now() + notify_timeout_;
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) return;
    if (absl::Now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      metrics_->notify_failures().Increment();
      HD_LOG(kWarn, "notify command timed out").kv("command", notify_command_).kv("mac", n.mac);
      return;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    metrics_->notify_failures().Increment();
    HD_LOG(kWarn, "notify command failed")
        .kv("command", notify_command_)
        .kv("mac", n.mac)
        .kv("status", status);
  }
}

}  // namespace hotdesk::featurecodes
