// hotdesk-bench configuration: parsed from flags in main.cc and passed down.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "absl/time/time.h"

namespace hotdesk::bench {

struct BenchConfig {
  // Where to run: --spawn starts its own redis-server and hotdesk-server.
  bool spawn = false;
  std::string server_bin;  // empty: found next to the bench binary
  std::string redis_server_bin = "redis-server";
  std::string server;      // without --spawn: host:port of a running hotdesk-server
  std::string redis_addr;  // without --spawn: the Redis that server uses
  int server_pid = 0;      // without --spawn: for RSS (0 = unknown)
  std::string key_prefix = "hotdesk";
  int64_t stream_retention = 100000;
  std::string tenant;  // base tenant; phases use <tenant>-<phase>

  // Unary phases: channels x inflight calls in flight, closed loop.
  int channels = 4;
  int inflight = 16;
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(4);
  int storm_desks = 20000;
  int roam_hosts = 200;
  int roam_guests = 200;
  int open_loop_slots = 4096;

  // Redis ceiling.
  int redis_connections = 2;
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
  // Phases to run (empty: all): ping storm roaming steady half-peak redis-script watch memory.
  std::set<std::string> phases;
  bool Runs(const std::string& phase) const { return phases.empty() || phases.count(phase) > 0; }
};

inline const char* const kPhaseNames[] = {"ping",      "storm",        "roaming", "steady",
                                          "half-peak", "redis-script", "watch",   "memory"};

}  // namespace hotdesk::bench
