// Keeps each device's provisioning profile current: renders it from the core's state, and when
// an association change alters it, sends a re-provision notice (log line, metric, and the
// optional hook command, run as `<command> <mac> <shown extension> <idle|guest> <tenant>`).
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "adapters/featurecodes/core_client.h"
#include "adapters/featurecodes/metrics.h"
#include "adapters/featurecodes/provisioning.h"

namespace hotdesk::featurecodes {

class Reprovisioner {
 public:
  Reprovisioner(CoreClient* core, const ProfileRenderer* renderer, Metrics* metrics,
                std::string notify_command, absl::Duration notify_timeout);
  ~Reprovisioner();

  // The profile as it is now. NOT_FOUND for an unknown device.
  absl::StatusOr<Profile> Current(const std::string& tenant, const std::string& mac);
  // The association of `host` changed. `prime`: only remember the profile (start-up snapshot).
  void OnChange(const std::string& tenant, const std::string& host, bool prime);

 private:
  struct Notice {
    std::string mac, shown, state, tenant;
  };
  absl::StatusOr<std::pair<Profile, ProfileInput>> Build(const std::string& tenant,
                                                         const v1::Device& device);
  void RunHook(const Notice& n);
  void HookLoop();

  CoreClient* core_;
  const ProfileRenderer* renderer_;
  Metrics* metrics_;
  std::string notify_command_;
  absl::Duration notify_timeout_;
  std::mutex mu_;
  std::map<std::string, std::string> last_;  // tenant/mac -> last profile body
  std::condition_variable cv_;
  std::deque<Notice> hooks_;
  bool stop_ = false;
  std::thread hook_thread_;
};

}  // namespace hotdesk::featurecodes
