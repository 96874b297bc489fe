// Event delivery under load: N WatchEvents streams on one server, events produced at a fixed
// rate through Establish, and the commit->receipt lag of every delivery. Also counts the Redis
// connections the replica holds with few and with many watchers.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/bench/histogram.h"

namespace hotdesk::bench {

struct WatchSpec {
  std::string server;
  std::string tenant;
  int watchers = 1000;
  int channels = 4;
  int probe_watchers = 10;  // connection count is compared between this many and `watchers`
  double rate = 100;        // events per second
  absl::Duration produce = absl::Seconds(3);
  absl::Duration subscribe_timeout = absl::Seconds(30);
  absl::Duration drain_timeout = absl::Seconds(10);
  // Redis connections held by the server (not counting the bench's own).
  std::function<absl::StatusOr<int>()> redis_clients;
};

struct WatchResult {
  int watchers = 0;
  int subscribed = 0;
  double subscribe_seconds = 0;
  int64_t events = 0;    // committed by the producer
  int64_t expected = 0;  // events x watchers
  int64_t received = 0;
  double deliveries_per_sec = 0;
  LatencySummary lag;  // receipt wall time - event.time (commit time from Redis)
  int conns_before = -1, conns_probe = -1, conns_all = -1;
  int probe_watchers = 0;
  int64_t errors = 0;
  std::map<std::string, int64_t> error_codes;
};

absl::StatusOr<WatchResult> RunWatchLoad(const WatchSpec& spec);

}  // namespace hotdesk::bench
