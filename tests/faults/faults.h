// Faults on a schedule drawn from the seed, one at a time, each followed by a recovery check:
// every replica must answer health SERVING and take a write within `recovery_timeout` of the
// fault ending (Redis able to serve again, the replica restarted).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "tests/faults/deployment.h"
#include "tests/faults/violations.h"

namespace hotdesk::faults {

// Every kind the injector knows, in the order of the default schedule's table.
const std::vector<std::string>& AllFaultKinds();
// The gateways (adapters) a deployment runs in front of the replicas.
struct Gateways {
  bool web = false;   // hotdesk-web instances (--via_web > 0)
  bool csta = false;  // a hotdesk-csta (--csta_clients > 0)
  bool xsp = false;   // a hotdesk-xsp with its hotdesk-xsp-sim (--xsp)
};
// Why `kind` cannot run against Redis in `mode` (single, sentinel, cluster) with `gateways`;
// "" when it can.
std::string FaultRefusal(const std::string& kind, const std::string& mode,
                         const Gateways& gateways);
// The kinds that run in `mode` with `gateways` (the default schedule).
std::vector<std::string> FaultKindsFor(const std::string& mode, const Gateways& gateways);

struct FaultConfig {
  std::vector<std::string> kinds;  // subset of AllFaultKinds()
  uint64_t seed = 1;
  absl::Duration every = absl::Seconds(4);  // mean pause between faults (±50 %)
  absl::Duration recovery_timeout = absl::Seconds(15);
  std::vector<std::string> tenants;  // for stalled watchers; failovers pick a busy one
  int stalled_watchers = 8;   // client processes per stalled-watchers fault
  int bad_requests = 64;      // invalid requests per bad-input fault
};

class FaultInjector {
 public:
  FaultInjector(FaultConfig config, Deployment* deployment, Violations* violations);
  ~FaultInjector();

  void Start();
  // Finishes the fault in progress (Redis running, every replica up), then stops.
  void Stop();

  std::map<std::string, int64_t> Injected() const;
  // Longest time from a fault's end to every replica serving again, in seconds.
  double max_recovery_seconds() const;
  // LOADING times of Redis restarts, in seconds.
  std::vector<double> loading_seconds() const;
  // A fault that may lose acknowledged writes (kill -9 of Redis or of a primary, a failover).
  struct LossPoint {
    int64_t start_ms = 0;     // when it began (Unix ms)
    int64_t takeover_ms = 0;  // failovers: when the sentinels / the slot map named the new
                              // primary (0: not a failover, or it never did)
    std::string kind;
  };
  std::vector<LossPoint> loss_points() const;
  // The probe tenant: writes that prove a replica serves; not part of the checked history.
  static constexpr const char* kProbeTenant = "faultprobe";

  // Waits until every replica serves (health SERVING and a write succeeds); reports the
  // replicas that do not within the timeout as violations of `kind`, restarts them so that
  // the run can go on, and returns the time it took.
  absl::Duration AwaitRecovery(const std::string& after_fault);

  // Faults that leave nothing to restart; also used alone by the run's final leak phase.
  void StalledWatchers(int i, absl::Duration hold);
  void BadInput(int i, int requests);

 private:
  void Run();
  void Inject(const std::string& kind);
  void RedisKill();
  void RedisStop(absl::Duration hold);
  void RedisDemote(absl::Duration hold);
  void SentinelFailover();
  void ClusterFailover(const std::string& tenant);
  void PrimaryKill(const std::string& tenant);
  void SlotMigration(const std::string& tenant);
  void MarkLossPoint(const std::string& kind);
  // The last loss point's failover named its new primary now; printed with the time it took.
  void MarkTakeover(const char* what);
  // Waits until `node` is a replica with its link to the primary up (a violation if not).
  void WaitReplicaLinked(testing::RedisServer* node, const std::string& kind);
  void ClientKill(bool only_reader);
  void ReplicaKill(int i, absl::Duration down);
  void ReplicaTerm(int i);
  void WebKill(int i, absl::Duration down);
  void CstaKill(absl::Duration down);
  void XspKill(absl::Duration down);
  void XspSimKill(absl::Duration down);
  void XspSimFail();
  void AwaitXspRecovery(const std::string& after_fault, absl::Time t0);
  // Every gateway answers (its health route: it runs and reaches a serving core); those that
  // do not within the timeout are reported and restarted.
  void AwaitGatewaysRecovery(const std::string& after_fault, absl::Time t0);
  // Interruptible pause: returns early when stopping.
  void Pause(absl::Duration d);
  bool Serving(int i, std::string* why);

  FaultConfig config_;
  Deployment* deployment_;
  Violations* violations_;
  std::mt19937_64 rng_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::string, int64_t> injected_;
  std::vector<double> loading_;
  std::vector<LossPoint> loss_points_;
  double max_recovery_s_ = 0;
  uint64_t serial_ = 0;  // makes probe guests and bad zone names unique
  std::thread thread_;
};

}  // namespace hotdesk::faults
