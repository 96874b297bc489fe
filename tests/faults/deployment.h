// The system under test as real processes: Redis in one of three modes — one redis-server with
// an append-only file (and enough filler data that a restart spends seconds LOADING), a Sentinel
// group (primary, replica, 3 sentinels) or a Cluster (3 primaries, 3 replicas) — and N
// hotdesk-server replicas on fixed loopback ports, so that clients' channels find a restarted
// replica where it was; optionally hotdesk-web gateways in front of them.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/processes.h"
#include "tests/support/redis_topologies.h"

namespace hotdesk::faults {

struct DeploymentConfig {
  // "single" (one redis-server), "sentinel" or "cluster" (tests/support/redis_topologies.h).
  std::string redis_mode = "single";
  int replicas = 2;
  std::string appendfsync = "always";
  // Redis runs with tests/faults/unsynced_loss.cc preloaded: kill -9 then loses what was written
  // to the AOF but not synced, as a machine crash would.
  bool emulate_power_loss = false;
  // Filler keys (own prefix "filler:"), loaded on every restart; single mode only (in the other
  // modes a restarted node takes its data from a replica, not from its own file).
  int64_t preload_keys = 300000;
  int preload_value_bytes = 1024;
  std::string key_prefix = "hotdesk";
  absl::Duration shutdown_grace = absl::Seconds(5);
  std::vector<std::string> server_flags;  // passed to every hotdesk-server (e.g. auth flags)
  std::string token;                      // bearer token for every call ("" = none)
  // hotdesk-web gateways (adapters/web), web i forwarding to replica i % replicas; 0: none.
  int webs = 0;
  // One hotdesk-csta gateway (adapters/csta) for this tenant ("" = none), forwarding to every
  // replica (one gRPC target listing them all).
  std::string csta_tenant;
  // One hotdesk-xsp bridge (adapters/xsp) for this tenant ("" = none), forwarding to every
  // replica, in front of a hotdesk-xsp-sim whose users' services survive its restarts (its
  // state file). hotdesk ids map to BroadWorks ids <id>@xsp_domain; the bridge subscribes to
  // the guests `xsp_guests` (g0, g1, ...).
  std::string xsp_tenant;
  std::string xsp_domain = "fx.example";
  int xsp_guests = 0;
};

// Client metadata and deadline for one call.
std::unique_ptr<grpc::ClientContext> CallContext(const std::string& token,
                                                 absl::Duration deadline);

// For the deployment's sources: the last lines of a child's stderr, indented for reports; and
// starting a gateway until it prints `ready` (the port of a killed one may linger a moment).
std::string LogTail(const testing::ChildProcess& proc, size_t lines);
absl::Status StartGateway(testing::ChildProcess& proc, const std::vector<std::string>& argv,
                          const std::string& ready,
                          const std::map<std::string, std::string>& env = {});

class Deployment {
 public:
  explicit Deployment(DeploymentConfig config);
  ~Deployment();

  // Starts Redis (single: preloads and rewrites the AOF, measures one restart), then the
  // replicas.
  absl::Status Start();

  const DeploymentConfig& config() const { return config_; }
  const std::string& redis_mode() const { return config_.redis_mode; }
  // The one redis-server of single mode.
  testing::RedisServer& redis() { return redis_; }
  // Sentinel and cluster modes: the topology (nullptr in single mode).
  testing::RedisDeployment* topology() { return topology_.get(); }
  // The process serving the tenant's keys as primary now (all of a tenant's keys share one hash
  // slot, so one node holds them all).
  testing::RedisServer& RedisFor(const std::string& tenant);
  // Every data node that runs now (single: the one server); for commands meant for all of them.
  std::vector<testing::RedisServer*> RedisNodes();
  // Sentinel and cluster: how many failovers the topology has been through (the sentinels'
  // config-epoch; the cluster's current epoch, which slot moves raise too), to compare with the
  // ones injected; "" in single mode.
  std::string EpochReport();
  // A key of the tenant (its stream), as the server names it: for slot and primary look-ups.
  std::string TenantKey(const std::string& tenant) const;
  // Restarts Redis after a kill and waits until it has loaded; the LOADING time, or an error.
  absl::StatusOr<absl::Duration> RestartRedis(absl::Duration timeout);
  double initial_loading_seconds() const { return initial_loading_s_; }
  int64_t aof_bytes() const;

  int replicas() const { return static_cast<int>(replicas_.size()); }
  std::string ReplicaAddr(int i) const;
  std::shared_ptr<grpc::Channel> Channel(int i) const { return replicas_[i]->channel; }
  absl::Status StartReplica(int i);
  void KillReplica(int i);
  void SignalReplica(int i, int sig);
  // SIGTERM and the time the replica took to exit; nullopt (and SIGKILL) if not within `limit`.
  // `exit_status` gets the exit status.
  std::optional<absl::Duration> TermReplica(int i, absl::Duration limit, int* exit_status);
  bool ReplicaRunning(int i);
  pid_t ReplicaPid(int i) const;
  absl::Time ReplicaStarted(int i) const;
  // Last lines of the replica's stderr (for reports).
  std::string ReplicaLogTail(int i, size_t lines = 20) const;

  // hotdesk-web gateways, on fixed loopback ports like the replicas (a restarted one is found
  // where it was).
  int webs() const { return static_cast<int>(webs_.size()); }
  int WebPort(int i) const { return webs_[i]->port; }
  absl::Status StartWeb(int i);
  void KillWeb(int i);
  // The gateway answers GET /v1/health with 200, i.e. it runs and its core says SERVING;
  // otherwise false and `why`.
  bool WebServing(int i, std::string* why) const;
  std::string WebLogTail(int i, size_t lines = 20) const;

  // The hotdesk-csta gateway, on a fixed loopback port.
  bool csta() const { return csta_ != nullptr; }
  int CstaPort() const { return csta_->port; }
  absl::Status StartCsta();
  void KillCsta();
  // The gateway answers a GetAgentState (it runs and reads from the core); otherwise false and
  // `why`.
  bool CstaServing(std::string* why) const;
  std::string CstaLogTail(size_t lines = 20) const;
  // The XSP bridge and its simulated platform, on fixed loopback ports.
  bool xsp() const { return xsp_ != nullptr; }
  int XspSimPort() const { return xsp_->sim_port; }
  absl::Status StartXspSim();
  void KillXspSim();
  absl::Status StartXsp();
  void KillXsp();
  // The simulator answers 500 to the next `put_failures` Xsi-Actions PUTs and drops the event
  // channel without a word.
  absl::Status FailXspSim(int put_failures);
  // The bridge's /status (JSON), "" when it does not answer.
  std::string XspStatus() const;
  // The bridge follows the core's events and holds its event channel open; otherwise false and
  // `why`.
  bool XspServing(std::string* why) const;
  std::string XspLogTail(size_t lines = 20) const;
  std::string XspSimLogTail(size_t lines = 20) const;
  // SIGTERM to every gateway (hotdesk-csta's event follower is a watcher of a replica: gone
  // before the watcher gauges are read); the ones that did not exit 0 within 10 s, with their
  // last log lines.
  std::vector<std::string> StopGateways();

  // Sum of every series of `metric` on the replica's /metrics; nullopt when unreachable.
  std::optional<double> Metric(int i, const std::string& metric) const;
  // Resident set size of the replica process in KiB (0 when gone).
  int64_t RssKiB(int i) const;

 private:
  absl::Status StartReplicas();
  absl::Status StartWebs();
  struct Web {
    int port = 0;
    testing::ChildProcess proc;
  };
  struct Replica {
    int port = 0;
    int metrics_port = 0;
    testing::ChildProcess proc;
    absl::Time started;
    std::shared_ptr<grpc::Channel> channel;
  };

  DeploymentConfig config_;
  testing::RedisServer redis_;
  std::unique_ptr<testing::RedisDeployment> topology_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<std::unique_ptr<Web>> webs_;
  std::unique_ptr<Web> csta_;  // the same as a web gateway: a port and a process
  struct Xsp {
    int sim_port = 0;
    int ops_port = 0;
    std::string state_file;
    testing::ChildProcess sim;
    testing::ChildProcess bridge;
  };
  absl::Status StartXspPair();
  std::unique_ptr<Xsp> xsp_;
  double initial_loading_s_ = 0;
};

}  // namespace hotdesk::faults
