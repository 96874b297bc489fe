// The BroadWorks side of the XSP bridge under load: changes made on the platform itself (portal
// logins, force releases, voice-portal logouts) on the simulator's control API, on the same
// guests and hosts the suite's clients move in hotdesk; and the end-of-run comparison of the
// two sides, which must agree once both are quiet.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "tests/faults/deployment.h"
#include "tests/faults/history.h"
#include "tests/faults/violations.h"

namespace hotdesk::faults {

struct XspPlatformConfig {
  std::string tenant;
  int hosts = 6;  // h0.., g0.. as hotdesk ids; <id>@<deployment's xsp_domain> on the platform
  int guests = 6;
  uint64_t seed = 1;
  absl::Duration pause = absl::Milliseconds(150);  // between platform changes
};

class XspPlatform {
 public:
  XspPlatform(XspPlatformConfig config, Deployment* deployment);
  ~XspPlatform();
  void Start();
  void Stop();  // joins
  // Platform changes by action and answer ("associate 200", "release no answer", ...).
  std::map<std::string, int64_t> Answers() const;

 private:
  void Run();

  XspPlatformConfig config_;
  Deployment* deployment_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::string, int64_t> answers_;
  std::thread thread_;
};

// Each guest whose host differs between hotdesk (`hotdesk`: the tenant's Redis hashes) and the
// platform (the simulator's HotelingGuest of the guest), as "g3: hotdesk h1, platform none";
// empty when they agree. A platform that does not answer is one difference.
std::vector<std::string> XspDifferences(const Deployment& deployment,
                                        const XspPlatformConfig& config,
                                        const TenantState& hotdesk);

// Once both sides are quiet: waits up to `timeout` for the bridge to have nothing pending, to
// have taken in the tenant's last event, and for XspDifferences to be empty (twice in a row,
// 500 ms apart); otherwise adds an `xsp_diverged` violation per difference (and what the
// bridge still has pending). Returns a line for the summary.
std::string AwaitXspAgreement(Deployment& deployment, const XspPlatformConfig& config,
                              const std::string& key_prefix, absl::Duration timeout,
                              Violations* violations);

}  // namespace hotdesk::faults
