// The system under test: either spawned by the bench (own Redis — one redis-server or a local
// cluster — and hotdesk-server in a temp dir, stopped by PID at the end) or already running
// (then only the bench's own tenants' keys are deleted at the end, never a FLUSH).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/bench/config.h"
#include "services/bench/redis_target.h"
#include "services/bench/spawn.h"

namespace hotdesk::bench {

// A hotdesk-server the bench talks to.
struct ServerEndpoint {
  std::string addr;  // host:port
  int pid = 0;       // 0 = unknown
};

class Environment {
 public:
  static absl::StatusOr<std::unique_ptr<Environment>> Open(const BenchConfig& config);
  ~Environment();

  const std::string& server() const { return server_.addr; }
  int server_pid() const { return server_.pid; }
  // How to reach the Redis (the spawned one, or the one the --redis_* flags name).
  const RedisConfig& redis() const { return redis_config_; }
  bool spawned() const { return spawned_; }

  // The server with the durability option on (--redis_wait_replicas=1) against the same Redis,
  // whose primary then has a replica: spawned on first call (a single spawned Redis gets a
  // replica), or --durable_server. NOT_FOUND (with the reason) when there is none.
  absl::StatusOr<ServerEndpoint> DurableServer(const BenchConfig& config);

  // Deletes every key of tenants "<base>-*" and removes `tenants` from the tenants set
  // (attached mode only; a spawned Redis just goes away).
  void Cleanup(RedisTarget& target, const std::string& key_prefix, const std::string& tenant_base,
               const std::vector<std::string>& tenants);

 private:
  Environment() = default;
  absl::Status Spawn(const BenchConfig& config);
  // A redis-server on a free loopback port with `extra` arguments; its address.
  absl::StatusOr<RedisNodeAddr> StartRedis(const BenchConfig& config, const std::string& name,
                                           std::vector<std::string> extra);
  absl::Status MakeCluster(const std::vector<RedisNodeAddr>& nodes);
  absl::StatusOr<ServerEndpoint> StartServer(const BenchConfig& config, const std::string& name,
                                             std::vector<std::string> extra);
  // The flags that point a spawned server at the spawned Redis.
  std::vector<std::string> ServerRedisFlags() const;

  bool spawned_ = false;
  std::string dir_;
  std::vector<std::unique_ptr<Process>> processes_;  // stopped last-started first
  std::map<RedisNodeAddr, int> bus_ports_;           // cluster nodes' bus ports
  ServerEndpoint server_;
  RedisConfig redis_config_;
  bool durable_tried_ = false;
  absl::StatusOr<ServerEndpoint> durable_ = absl::NotFoundError("not started");
};

// The hotdesk-server binary: --server_bin, else next to the bench in the build tree or install.
std::string FindServerBinary(const std::string& flag);

}  // namespace hotdesk::bench
