// Real Redis deployments on loopback for tests: a Redis Cluster (primaries + replicas made with
// `redis-cli --cluster create`) and a Sentinel group (primary, replica, three sentinels).
// Every process is a real redis-server on a free port, stopped by PID.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/processes.h"

namespace hotdesk::testing {

class RedisClusterProcesses {
 public:
  // `primaries` primaries with `replicas` replicas each; extra redis-server args for every node.
  bool Start(int primaries = 3, int replicas = 1, std::vector<std::string> extra_args = {});
  // host:port of every node, comma-separated (what --redis_cluster_nodes takes).
  std::string Seeds() const;
  size_t size() const { return nodes_.size(); }
  RedisServer& node(size_t i) { return *nodes_[i]; }
  // The node currently serving `key`'s slot as primary (asks CLUSTER SLOTS), or -1.
  int PrimaryIndexForKey(const std::string& key);
  // A replica of the primary at `primary_index` (-1 if none).
  int ReplicaIndexOf(int primary_index);
  // Every node reports cluster_state:ok and agrees on 16384 covered slots.
  bool WaitHealthy(absl::Duration timeout);
  // Moves `slot` from its primary to the primary at `to_index` (MIGRATE of its keys included),
  // the way `redis-cli --cluster reshard` does.
  bool MoveSlot(int slot, int to_index);
  // Runs redis-cli with `args`; returns its stdout.
  std::string Cli(const std::vector<std::string>& args);
  int IndexOfPort(int port) const;

 private:
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

class RedisSentinelProcesses {
 public:
  static constexpr const char* kMaster = "hotdesk";
  // A primary, a replica and three sentinels (quorum 2) watching it as "hotdesk".
  bool Start(std::vector<std::string> extra_args = {});
  // host:port of the sentinels, comma-separated (what --redis_sentinels takes).
  std::string Sentinels() const;
  // The port the sentinels name as primary now (0 if unknown).
  int PrimaryPort();
  RedisServer& data(size_t i) { return *data_[i]; }
  size_t data_size() const { return data_.size(); }
  int IndexOfPort(int port) const;
  // SENTINEL FAILOVER; waits until the sentinels name the other node and it is a writable
  // primary. Returns the new primary's port (0 on timeout).
  int Failover(absl::Duration timeout);
  // Waits until the sentinels name a primary other than `old_port` that accepts writes.
  int WaitNewPrimary(int old_port, absl::Duration timeout);

 private:
  std::vector<std::unique_ptr<RedisServer>> data_;
  std::vector<std::unique_ptr<ChildProcess>> sentinels_;
  std::vector<int> sentinel_ports_;
};

// One of the three ways hotdesk runs on Redis, behind one interface, so a suite can run against
// each: "redis" (one server), "sentinel" (primary + replica + 3 sentinels), "cluster"
// (3 primaries + 3 replicas).
class RedisDeployment {
 public:
  explicit RedisDeployment(std::string mode) : mode_(std::move(mode)) {}
  bool Start(std::vector<std::string> extra_args = {});
  const std::string& mode() const { return mode_; }
  // The flags that point a hotdesk program at it (--redis_addr / --redis_sentinels … /
  // --redis_cluster_nodes).
  std::vector<std::string> ServerFlags() const;
  // A command routed like a client would (cluster: to the slot's primary; sentinel: to the
  // current primary); reply as RedisServer::Cmd gives it.
  std::string Cmd(const std::vector<std::string>& argv);
  // The process serving `key` as primary now.
  RedisServer& PrimaryFor(const std::string& key);

  RedisServer* single() { return single_.get(); }
  RedisSentinelProcesses* sentinel() { return sentinel_.get(); }
  RedisClusterProcesses* cluster() { return cluster_.get(); }

 private:
  std::string mode_;
  std::unique_ptr<RedisServer> single_;
  std::unique_ptr<RedisSentinelProcesses> sentinel_;
  std::unique_ptr<RedisClusterProcesses> cluster_;
};

}  // namespace hotdesk::testing
