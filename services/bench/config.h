// hotdesk-bench configuration: parsed from flags in main.cc and passed down.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "services/redis/redis_client.h"

namespace hotdesk::bench {

struct BenchConfig {
  // Where to run: --spawn starts its own Redis and hotdesk-server.
  bool spawn = false;
  std::string server_bin;  // empty: found next to the bench binary
  std::string redis_server_bin = "redis-server";
  // --spawn: "single" (one redis-server) or "cluster" (`spawn_primaries` primaries, no
  // replicas, slots split evenly).
  std::string spawn_redis = "single";
  int spawn_primaries = 3;
  std::string server;  // without --spawn: host:port of a running hotdesk-server
  // Without --spawn: the Redis that server uses, in any mode (the shared --redis_* flags);
  // with --spawn only `connections` (per primary, for the script ceiling) is taken from here.
  RedisConfig redis;
  int server_pid = 0;  // without --spawn: for RSS (0 = unknown)
  std::string key_prefix = "hotdesk";
  int64_t stream_retention = 100000;
  std::string tenant;  // base tenant; phases use <tenant>-<phase>[-<i>]
  // Tenants each association phase is spread over (their slots decide the primaries on a
  // cluster). 0: 1 on one Redis, kClusterTenants on a cluster.
  int tenants = 0;

  // Durability phase: Establish/Cancel through a server without and with the WAIT option.
  // --spawn (single): a replica and a second server with --redis_wait_replicas=1 are started
  // for it; attached: the second server is `durable_server`.
  std::string durable_server;
  int durable_server_pid = 0;

  // Unary phases: channels x inflight calls in flight, closed loop.
  int channels = 4;
  int inflight = 16;
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(4);
  int storm_desks = 20000;
  int roam_hosts = 200;
  int roam_guests = 200;
  int open_loop_slots = 4096;

  // Redis ceiling (connections per primary: redis.connections).
  int redis_window = 128;
  absl::Duration redis_duration = absl::Seconds(2);

  // Event delivery.
  int watchers = 1000;
  int watch_channels = 4;
  double event_rate = 100;
  absl::Duration event_duration = absl::Seconds(3);

  // Memory.
  int64_t memory_associations = 100000;

  std::string json_path;
  bool quick = false;
  // Phases to run (empty: all): ping storm roaming steady half-peak redis-script watch memory
  // durability.
  std::set<std::string> phases;
  bool Runs(const std::string& phase) const { return phases.empty() || phases.count(phase) > 0; }
};

inline const char* const kPhaseNames[] = {"ping",         "storm", "roaming", "steady",
                                          "half-peak",    "redis-script", "watch",
                                          "memory",       "durability"};

// Default --tenants on a cluster: enough hash slots that every primary gets a share.
inline constexpr int kClusterTenants = 48;

}  // namespace hotdesk::bench
